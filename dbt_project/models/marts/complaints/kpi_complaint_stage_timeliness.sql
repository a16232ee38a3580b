{#
  投诉处理各环节及时率 on-time handling per stage (003 §4: contact the customer, assign,
  form the investigation team, approve the plan, feed back the result, close) = stages
  reached by their deadline ÷ stages whose clock started, for complaints received in the
  month, per org unit, month and stage. contact is also the 004 commitment (progress to the
  customer within 2 working days). A started stage not yet reached counts in the
  denominator only. provisional_deadlines: started stages whose deadline was counted on a
  provisional calendar year. Kept by month (kept_by_month).
#}
{%- set kept = kept_by_month(
    'month_start',
    inputs=[{'model': 'fct_complaint_stages', 'month': 'received_month', 'kept': true}],
    rules=['key_values'],
    spine=true
) %}
{{ config(**kept.config) }}
with key_values as (
    select distinct stage from {{ ref('fct_complaint_stages') }}
),

months as (
    {{ months_to_build(kept) }}
),

leaf as (
    select
        stages.org_code,
        stages.received_date as activity_date,
        stages.stage,
        stages.deadline_rule_version as deadline_rule_versions,
        count(case when stages.is_started then 1 end) as stages_started,
        count(case when stages.is_started and stages.is_on_time then 1 end) as reached_on_time,
        count(case when stages.is_started and stages.is_reached and not stages.is_on_time then 1 end)
            as reached_late,
        count(case when stages.is_started and not stages.is_reached then 1 end) as not_reached,
        count(case when stages.is_started and stages.deadline_provisional then 1 end) as provisional_deadlines
    from {{ ref('fct_complaint_stages') }} as stages
    where stages.received_month in (select month from months)
    group by stages.org_code, stages.received_date, stages.stage, stages.deadline_rule_version
),

rolled as (
    {{ org_month_rollup('leaf', ['stages_started', 'reached_on_time', 'reached_late', 'not_reached',
                                 'provisional_deadlines'], keys=['stage'],
                        lists=['deadline_rule_versions'], months='months', key_values='key_values') }}
)

select
    org_code,
    org_name,
    org_level,
    period_month,
    month_start,
    stage,
    reached_on_time as numerator,
    stages_started as denominator,
    {{ safe_ratio('reached_on_time', 'stages_started') }} as rate,
    reached_late,
    not_reached,
    provisional_deadlines,
    deadline_rule_versions,
    months.input_fingerprint
from rolled
inner join months on rolled.month_start = months.month
