{#
  One row per callback or survey response (a view: the incremental staging table holds the
  rows, int_survey_days the daily rollup). A respondent counts for 客户满意度 when reached;
  is_satisfied applies the "satisfied" rule (satisfaction_answers seed) in force on the
  survey day.
#}
{{ config(materialized='view') }}

with responses as (
    select * from {{ ref('stg_ops__survey_responses') }}
),

rule as (
    select * from {{ ref('satisfaction_answers') }}
)

select
    responses.response_id,
    responses.survey_type,
    responses.complaint_id,
    responses.service_event_id,
    responses.org_code,
    responses.employee_id,
    responses.product_line,
    responses.surveyed_at,
    cast(responses.surveyed_at as date) as surveyed_date,
    responses.surveyed_month,
    responses.contact_result,
    responses.overall_answer,
    rule.rule_version as satisfaction_rule_version,
    responses.attitude_rating,
    responses.timeliness_rating,
    responses.professionalism_rating,
    responses.convenience_rating,
    responses.satisfaction_rating,
    responses.load_id,
    responses.source_file,
    responses.source_row,
    responses.contact_result = 'reached' as is_reached,
    coalesce(responses.contact_result = 'reached' and rule.is_satisfied, false) as is_satisfied
from responses
left join rule
    on responses.overall_answer = rule.answer
        and cast(responses.surveyed_at as date) between rule.effective_from and {{ open_end('rule.effective_to') }}
