{#
  Callback and survey responses per unit, day and survey type, with the "satisfied" rule in
  force applied (fct_survey_responses): the leaf of 客户满意度, kept incrementally by month; a
  changed rule recomputes every month (see kept_by_month).
#}
{%- set kept = kept_by_month(
    'surveyed_month',
    inputs=[{'model': 'stg_ops__survey_responses', 'month': 'surveyed_month'}],
    rules=[ref('satisfaction_answers')]
) %}
{{ config(**kept.config) }}

with months as (
    {{ months_to_build(kept) }}
),

rolled as (
    select
        org_code,
        surveyed_date,
        surveyed_month,
        survey_type,
        satisfaction_rule_version,
        count(*) as responses,
        count(case when is_reached then 1 end) as reached,
        count(case when is_satisfied then 1 end) as satisfied
    from {{ ref('fct_survey_responses') }}
    where surveyed_month in (select month from months)
    group by org_code, surveyed_date, surveyed_month, survey_type, satisfaction_rule_version
)

select
    rolled.*,
    months.input_fingerprint
from rolled
inner join months on rolled.surveyed_month = months.month
