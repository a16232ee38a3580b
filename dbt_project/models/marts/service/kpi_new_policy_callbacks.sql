{#
  新单回访率 The callback commitment of 004 = new long-term life policies underwritten in the
  month whose policyholder was reached within the window ÷ such policies (target 100%), per
  org unit. Reached later, or never (yet), counts in the denominator only; a month whose
  windows are still open is provisional until they close.
#}
with leaf as (
    select
        org_code,
        underwritten_on as activity_date,
        commitment_rule_version as commitment_rule_versions,
        count(*) as policies_in_scope,
        count(case when is_called_back_in_time then 1 end) as called_back_in_time,
        count(case when is_reached and not is_called_back_in_time then 1 end) as reached_late,
        count(case when not is_reached then 1 end) as not_reached,
        {{ sum_int("callback_attempts") }} as callback_attempts
    from {{ ref('fct_new_policy_callbacks') }}
    group by org_code, underwritten_on, commitment_rule_version
),

rolled as (
    {{ org_month_rollup('leaf', ['policies_in_scope', 'called_back_in_time', 'reached_late', 'not_reached',
                                 'callback_attempts'], lists=['commitment_rule_versions']) }}
)

select
    org_code,
    org_name,
    org_level,
    period_month,
    month_start,
    called_back_in_time as numerator,
    policies_in_scope as denominator,
    {{ safe_ratio('called_back_in_time', 'policies_in_scope') }} as rate,
    reached_late,
    not_reached,
    callback_attempts,
    commitment_rule_versions
from rolled
