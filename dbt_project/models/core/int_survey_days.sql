{#
  Callback and survey responses per unit, day and survey type, with the "satisfied" rule in
  force applied (fct_survey_responses): the leaf of 客户满意度, kept incrementally by month; a
  changed rule recomputes every month (see incremental_rollup).
#}
{{ config(**incremental_months_config('surveyed_month')) }}

with fingerprints as (
    {{ rollup_fingerprints(["select surveyed_month as month, load_id from " ~ ref('stg_ops__survey_responses')],
                           [ref('satisfaction_answers')]) }}
),

months as (
    {{ rollup_months('fingerprints', 'surveyed_month') }}
)

select
    responses.org_code,
    responses.surveyed_date,
    responses.surveyed_month,
    responses.survey_type,
    responses.satisfaction_rule_version,
    count(*) as responses,
    count(case when responses.is_reached then 1 end) as reached,
    count(case when responses.is_satisfied then 1 end) as satisfied,
    fingerprints.input_fingerprint
from {{ ref('fct_survey_responses') }} responses
inner join fingerprints on fingerprints.month = responses.surveyed_month
where responses.surveyed_month in (select month from months)
group by responses.org_code, responses.surveyed_date, responses.surveyed_month, responses.survey_type,
         responses.satisfaction_rule_version, fingerprints.input_fingerprint
