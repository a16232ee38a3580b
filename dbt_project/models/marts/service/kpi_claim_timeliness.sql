{#
  理赔时效 The claims commitment of 004 = claims with complete documents and no investigation
  decided within 3 working days ÷ such claims, by the month their documents were complete,
  per org unit. A claim still pending counts in the denominator only. Beside it: claims
  reported in the month, decided in the month, and the mean days from report to decision;
  commitment_rule_versions names the service_commitments versions that produced the row;
  provisional_deadlines: claims in the commitment whose deadline was counted on a
  provisional calendar year.
#}
with leaf as (
    select
        org_code,
        documents_complete_date as activity_date,
        commitment_rule_version as commitment_rule_versions,
        count(case when is_in_commitment then 1 end) as claims_in_commitment,
        count(case when is_decided_on_time then 1 end) as decided_on_time,
        count(case when is_in_commitment and decided_at is not null and not is_decided_on_time then 1 end)
            as decided_late,
        count(case when is_in_commitment and decided_at is null then 1 end) as still_pending,
        count(case when is_in_commitment and decision_deadline_provisional then 1 end) as provisional_deadlines,
        0 as claims_reported,
        0 as claims_decided,
        0 as days_report_to_decision_total
    from {{ ref('fct_claims') }}
    where documents_complete_date is not null
    group by org_code, documents_complete_date, commitment_rule_version
    union all
    select
        org_code,
        reported_date,
        null,
        0,
        0,
        0,
        0,
        0,
        count(*),
        0,
        0
    from {{ ref('fct_claims') }}
    group by org_code, reported_date
    union all
    select
        org_code,
        cast(decided_at as date),
        null,
        0,
        0,
        0,
        0,
        0,
        0,
        count(*),
        {{ sum_int("days_report_to_decision") }}
    from {{ ref('fct_claims') }}
    where decided_at is not null
    group by org_code, cast(decided_at as date)
),

rolled as (
    {{ org_month_rollup('leaf', ['claims_in_commitment', 'decided_on_time', 'decided_late', 'still_pending',
                                 'provisional_deadlines', 'claims_reported', 'claims_decided', 'days_report_to_decision_total'],
                        lists=['commitment_rule_versions']) }}
)

select
    org_code,
    org_name,
    org_level,
    period_month,
    month_start,
    decided_on_time as numerator,
    claims_in_commitment as denominator,
    {{ safe_ratio('decided_on_time', 'claims_in_commitment') }} as rate,
    decided_late,
    still_pending,
    provisional_deadlines,
    claims_reported,
    claims_decided,
    {{ safe_ratio('days_report_to_decision_total', 'claims_decided') }} as avg_days_report_to_decision,
    commitment_rule_versions
from rolled
