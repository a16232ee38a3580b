{#
  投诉处理及时率 on-time complaint handling (003 §5.2) = complaints received in the month and
  handled on time ÷ complaints received in the month, per org unit and month: closed on or
  before the company's deadline (working days per complaint class, complaint_deadlines seed)
  and, where the regulator's rule governs the complaint, its decision told by the
  regulator's deadline (2020 rule: 15 days, 30 or at most 60 with extensions) — the
  stricter of the two. Open complaints count in the denominator only. Beside it each
  deadline alone: company_on_time / company_rate and regulator_on_time / regulator_rate.
  avg_days_to_close: mean plain days from receipt to final closure.
  deadline_rule_versions / regulator_rule_versions: the rule versions that produced the row.
  provisional_deadlines: complaints whose deadline (the company's or the regulator's) was
  counted on a provisional calendar year; their on-time verdict may change when the year's
  State Council notice is loaded (`kefu calendar --notice`).
#}
with leaf as (
    select
        org_code,
        received_date as activity_date,
        deadline_rule_version as deadline_rule_versions,
        regulator_rule_version as regulator_rule_versions,
        count(*) as complaints_received,
        count(case when is_handled_on_time then 1 end) as handled_on_time,
        count(case when is_closed_on_time then 1 end) as closed_on_time,
        count(case when is_closed and not is_handled_on_time then 1 end) as closed_late,
        count(case when not is_closed then 1 end) as still_open,
        count(case when is_reopened then 1 end) as reopened,
        {{ sum_int("case when is_closed then days_to_close else 0 end") }} as days_to_close_total,
        count(case when is_regulator_on_time then 1 end) as regulator_on_time,
        count(case when is_extended then 1 end) as extended,
        count(case when is_extension_approved then 1 end) as extension_approved,
        count(case when deadline_provisional or regulator_deadline_provisional then 1 end) as provisional_deadlines
    from {{ ref('fct_complaints') }}
    group by org_code, received_date, deadline_rule_version, regulator_rule_version
),

rolled as (
    {{ org_month_rollup('leaf', ['complaints_received', 'handled_on_time', 'closed_on_time', 'closed_late',
                                 'still_open', 'reopened', 'days_to_close_total', 'regulator_on_time', 'extended', 'extension_approved',
                                 'provisional_deadlines'],
                        lists=['deadline_rule_versions', 'regulator_rule_versions']) }}
)

select
    org_code,
    org_name,
    org_level,
    period_month,
    month_start,
    handled_on_time as numerator,
    complaints_received as denominator,
    {{ safe_ratio('handled_on_time', 'complaints_received') }} as rate,
    closed_on_time as company_on_time,
    {{ safe_ratio('closed_on_time', 'complaints_received') }} as company_rate,
    closed_late,
    still_open,
    reopened,
    days_to_close_total,
    {{ safe_ratio('days_to_close_total', 'handled_on_time + closed_late') }} as avg_days_to_close,
    regulator_on_time,
    {{ safe_ratio('regulator_on_time', 'complaints_received') }} as regulator_rate,
    extended,
    extension_approved,
    provisional_deadlines,
    deadline_rule_versions,
    regulator_rule_versions
from rolled
