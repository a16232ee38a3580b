{#
  新单回访 The 004 commitment "every new long-term life policy is called back": one row per
  policy the commitment covers (new_policy_callback_scope seed: line of business, long-term
  only, in force on the day of underwriting), with its first callback that reached the
  policyholder and whether that came within the window (service_commitments seed
  'new_policy_callback', counted from the day of underwriting). A policy whose window is
  still open and not yet reached counts as not called back until it is. Kept incrementally by
  the month of underwriting: a month is rebuilt when its policies or their callbacks change,
  and every month when the commitment, its scope or the calendar changes (see
  kept_by_month). Callbacks count only for policies of the lines in scope (7 M of the
  20 M generated policies at scale 100): others cannot change a row, and a policy moving
  into scope is itself a new load of its month.
#}
{%- set kept = kept_by_month(
    'underwritten_month',
    inputs=[
        {'model': 'stg_ops__policies', 'month': 'underwritten_month'},
        {'model': 'stg_ops__policy_callbacks', 'month': 'policies.underwritten_month',
         'join': 'inner join ' ~ ref('stg_ops__policies') ~ ' as policies on policies.policy_no = input_rows.policy_no',
         'where': 'policies.product_line in (select product_line from ' ~ ref('new_policy_callback_scope') ~ ')'}],
    rules=[ref('service_commitments'), ref('new_policy_callback_scope'), ref('cn_calendar_days')]
) %}
{{ config(**kept.config) }}

with months as (
    {{ months_to_build(kept) }}
),

policies as (
    select * from {{ ref('fct_policies') }}
    where underwritten_month in (select month from months)
),

in_scope as (
    select policies.*
    from policies
    inner join {{ ref('new_policy_callback_scope') }} as scope
        on policies.product_line = scope.product_line
            and (policies.is_long_term or not scope.long_term_only)
            and policies.underwritten_on between scope.effective_from and {{ open_end('scope.effective_to') }}
),

attempts as (
    select
        policy_no,
        count(*) as callback_attempts,
        min(case when is_reached then called_at end) as first_reached_at
    from {{ ref('fct_policy_callbacks') }}
    where policy_no in (select policy_no from in_scope)
    group by policy_no
),

commitment as (
    select * from {{ ref('service_commitments') }}
    where commitment_code = 'new_policy_callback'
),

dated as (
    select
        in_scope.policy_no,
        in_scope.org_code,
        in_scope.product_line,
        in_scope.underwritten_on,
        in_scope.underwritten_month,
        coalesce(attempts.callback_attempts, 0) as callback_attempts,
        attempts.first_reached_at,
        commitment.rule_version as commitment_rule_version,
        commitment.days as window_days,
        {{ deadline_date('commitment.calendar', 'in_scope.underwritten_on', 'commitment.days', 'offsets') }}
            as window_end_date,
        in_scope.load_id,
        in_scope.source_file,
        in_scope.source_row,
        months.input_fingerprint
    from in_scope
    inner join months on in_scope.underwritten_month = months.month
    left join attempts on in_scope.policy_no = attempts.policy_no
    left join commitment
        on in_scope.underwritten_on between commitment.effective_from and {{ open_end('commitment.effective_to') }}
    {{ workday_offsets('offsets', 'commitment.calendar', 'in_scope.underwritten_on', 'commitment.days') }}
)

select
    *,
    first_reached_at is not null as is_reached,
    coalesce(first_reached_at is not null and cast(first_reached_at as date) <= window_end_date, false)
        as is_called_back_in_time
from dated
