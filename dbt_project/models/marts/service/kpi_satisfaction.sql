{#
  客户满意度 satisfaction (003 §5.3) = satisfied respondents ÷ respondents reached, per org
  unit, month and survey type (complaint_callback: complainants called back after closure;
  service_survey: surveyed customers). "Satisfied" is the satisfaction_answers seed rule;
  satisfaction_rule_versions lists the versions that produced the row.
#}
with leaf as (
    select
        org_code,
        surveyed_date as activity_date,
        survey_type,
        satisfaction_rule_version as satisfaction_rule_versions,
        reached as respondents_reached,
        satisfied as respondents_satisfied,
        responses as callbacks_attempted
    from {{ ref('int_survey_days') }}
),

rolled as (
    {{ org_month_rollup('leaf', ['respondents_reached', 'respondents_satisfied', 'callbacks_attempted'],
                        keys=['survey_type'], lists=['satisfaction_rule_versions']) }}
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
    callbacks_attempted,
    satisfaction_rule_versions
from rolled
