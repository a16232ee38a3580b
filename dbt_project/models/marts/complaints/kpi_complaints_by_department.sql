{#
  Complaints by responsible department (责任部门, 003 §4.2) per org unit and month: complaints
  received (003 §5.1's 投诉件数, by month of receipt), of them handled on time (投诉处理及时率's
  numerator: the stricter of the company's and the regulator's deadline, as
  kpi_complaint_timeliness) and each deadline alone, and the department's complainants called
  back and satisfied (客户满意度, 003 §5.3, by month of the callback). What
  kpi_assessment_department_quarterly judges each department on. Counted at the unit
  responsible for the complaint (a callback at the unit that made it), rolled up the
  hierarchy as it stood.
#}
{%- set leaf_columns = ['org_code', 'activity_date', 'department_code', 'complaints_received', 'handled_on_time',
                       'company_on_time', 'regulator_on_time', 'respondents_reached', 'respondents_satisfied'] %}
with complaints as (
    select
        org_code,
        received_date as activity_date,
        responsible_department as department_code,
        0 as respondents_reached,
        0 as respondents_satisfied,
        count(*) as complaints_received,
        count(case when is_handled_on_time then 1 end) as handled_on_time,
        count(case when is_closed_on_time then 1 end) as company_on_time,
        count(case when is_regulator_on_time then 1 end) as regulator_on_time
    from {{ ref('fct_complaints') }}
    group by org_code, received_date, responsible_department
),

callbacks as (
    -- complainants called back after their complaint was handled, under their complaint's department
    select
        responses.org_code,
        responses.surveyed_date as activity_date,
        complaints.responsible_department as department_code,
        0 as complaints_received,
        0 as handled_on_time,
        0 as company_on_time,
        0 as regulator_on_time,
        count(case when responses.is_reached then 1 end) as respondents_reached,
        count(case when responses.is_satisfied then 1 end) as respondents_satisfied
    from {{ ref('fct_survey_responses') }} as responses
    inner join {{ ref('fct_complaints') }} as complaints on responses.complaint_id = complaints.complaint_id
    where responses.survey_type = 'complaint_callback'
    group by responses.org_code, responses.surveyed_date, complaints.responsible_department
),

leaf as (
    -- the same columns in the same order: a union matches them by position
    select {{ leaf_columns | join(', ') }} from complaints
    union all
    select {{ leaf_columns | join(', ') }} from callbacks
),

rolled as (
    {{ org_month_rollup('leaf', ['complaints_received', 'handled_on_time', 'company_on_time', 'regulator_on_time',
                                 'respondents_reached', 'respondents_satisfied'], keys=['department_code']) }}
)

select
    rolled.org_code,
    rolled.org_name,
    rolled.org_level,
    rolled.period_month,
    rolled.month_start,
    rolled.department_code,
    departments.name_zh as department_name,
    rolled.complaints_received,
    rolled.handled_on_time,
    rolled.company_on_time,
    rolled.regulator_on_time,
    rolled.respondents_reached,
    rolled.respondents_satisfied
from rolled
left join {{ ref('departments') }} as departments on rolled.department_code = departments.department_code
