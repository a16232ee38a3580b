{#
  The regulator's deadline of each complaint it governs (regulator_complaint_deadlines seed,
  the 2020 rule: a decision told to the complainant within 15 days, extendable to 30, and to
  at most 60 with approval; complaints under the calendar regime it names, complaints_under). An extension counts only when it was granted by the deadline it
  extends: 'extended' on or before the base deadline, 'extension_approved' on or before the
  extended one. The tiers and their days are data; the order base → extended → approved is
  the rule's structure.
  Kept incrementally by month of receipt, like fct_complaint_stages: rebuilt are the months
  int_complaint_milestones rebuilt, and every month when the regulator's rule or the
  calendar change.
#}
{%- set kept = kept_by_month(
    'received_month',
    inputs=[{'model': 'int_complaint_milestones', 'month': 'received_month', 'kept': true}],
    rules=[ref('regulator_complaint_deadlines'), ref('cn_calendar_days'), ref('calendar_coverage')]
) %}
{{ config(**kept.config) }}

with months as (
    {{ months_to_build(kept) }}
),

complaints as (
    select
        complaints.complaint_id,
        cast(complaints.received_at as date) as received_date,
        complaints.deadline_calendar,
        months.month as received_month,
        months.input_fingerprint
    from {{ ref('stg_ops__complaints') }} as complaints
    inner join months on {{ month_of('complaints.received_at') }} = months.month
),

tiers as (
    select
        rule_version,
        effective_from,
        effective_to,
        max(case when tier = 'base' then days end) as base_days,
        max(case when tier = 'extended' then days end) as extended_days,
        max(case when tier = 'approved' then days end) as approved_days,
        max(calendar) as calendar,
        max(complaints_under) as complaints_under,
        max(case when tier = 'extended' then granted_by end) as extended_by,
        max(case when tier = 'approved' then granted_by end) as approved_by,
        max(starts_at) as starts_at,
        max(reached_at) as reached_by
    from {{ ref('regulator_complaint_deadlines') }}
    group by rule_version, effective_from, effective_to
),

dated as (
    select
        complaints.complaint_id,
        complaints.received_month,
        complaints.input_fingerprint,
        tiers.rule_version,
        tiers.calendar,
        {{ milestone_at('tiers.reached_by') }} as reached_at,
        {{ milestone_at('tiers.extended_by') }} as extended_at,
        {{ milestone_at('tiers.approved_by') }} as approved_at,
    {% for tier in ['base', 'extended', 'approved'] -%}
        {{ deadline_date('tiers.calendar', 'cast(' ~ milestone_at('tiers.starts_at') ~ ' as date)',
                         'tiers.' ~ tier ~ '_days', tier ~ '_offsets') }} as {{ tier }}_deadline_date,
        {{ deadline_provisional('tiers.calendar', tier ~ '_offsets') }}
            as {{ tier }}_provisional{{ ',' if not loop.last }}  -- noqa: LT02
    {% endfor %}
    from complaints
    -- the Chinese regulator's rule governs complaints handled in China, not a foreign extract
    inner join tiers
        on
            complaints.received_date between tiers.effective_from and {{ open_end('tiers.effective_to') }}
            and complaints.deadline_calendar = tiers.complaints_under
    inner join {{ ref('int_complaint_milestones') }} as m on complaints.complaint_id = m.complaint_id
    {% for tier in ['base', 'extended', 'approved'] -%}
    {{ workday_offsets(tier ~ '_offsets', 'tiers.calendar', 'cast(' ~ milestone_at('tiers.starts_at') ~ ' as date)',
                       'tiers.' ~ tier ~ '_days') }}
    {% endfor %}
),

tiered as (
    select
        dated.*,
        dated.extended_at is not null and cast(dated.extended_at as date) <= dated.base_deadline_date as is_extended,
        dated.extended_at is not null and cast(dated.extended_at as date) <= dated.base_deadline_date
        and dated.approved_at is not null and cast(dated.approved_at as date) <= dated.extended_deadline_date
            as is_extension_approved
    from dated
)

select
    complaint_id,
    rule_version as regulator_rule_version,
    reached_at as regulator_reached_at,
    is_extended,
    -- the tier itself was chosen against the base deadline
    is_extension_approved,
    received_month,
    input_fingerprint,
    case when is_extension_approved then 'approved' when is_extended then 'extended' else 'base' end
        as regulator_tier,
    case when is_extension_approved then approved_deadline_date
        when is_extended then extended_deadline_date
        else base_deadline_date
    end as regulator_deadline_date,
    base_provisional or (is_extended and extended_provisional) or (is_extension_approved and approved_provisional)
        as regulator_deadline_provisional
from tiered
