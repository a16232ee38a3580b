{#
  客户满意度 satisfaction (003 §5.3) = satisfied respondents ÷ respondents reached, per org
  unit, month and survey type (complaint_callback: complainants called back after closure;
  service_survey: surveyed customers). "Satisfied" is the satisfaction_answers seed rule.
#}
with leaf as (
    select
        org_code,
        surveyed_month as month_start,
        survey_type,
        sum(case when is_reached then 1 else 0 end) as respondents_reached,
        sum(case when is_satisfied then 1 else 0 end) as respondents_satisfied,
        count(*) as callbacks_attempted
    from {{ ref('fct_survey_responses') }}
    group by org_code, surveyed_month, survey_type
),

rolled as (
    {{ org_month_rollup('leaf', ['respondents_reached', 'respondents_satisfied', 'callbacks_attempted'], keys=['survey_type']) }}
)

select
    org_code,
    org_name,
    org_level,
    period_month,
    month_start,
    survey_type,
    respondents_satisfied as numerator,
    respondents_reached as denominator,
    {{ safe_ratio('respondents_satisfied', 'respondents_reached') }} as rate,
    callbacks_attempted
from rolled
