{#
  Callback and survey responses per unit, day and survey type, with the "satisfied" rule in
  force applied (fct_survey_responses): the leaf of 客户满意度, kept incrementally by month; a
  changed rule recomputes every month (see incremental_rollup).
#}
{{ config(**incremental_months_config('surveyed_month', [['fct_survey_responses', 'surveyed_month']])) }}

with fingerprints as (
    {{ rollup_fingerprints(["select surveyed_month as month, load_id from " ~ ref('stg_ops__survey_responses')],
                           [ref('satisfaction_answers')]) }}
),

months as (
    {{ rollup_months('fingerprints', 'surveyed_month') }}
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

{{ with_month_fingerprint('surveyed_month') }}
