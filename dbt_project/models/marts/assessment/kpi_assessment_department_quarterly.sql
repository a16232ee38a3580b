{#
  部门考核结果 Department assessment (003 §6.1: "若某部门季度投诉率低于目标值…该部门全体员工季度
  绩效奖金可上浮"): per responsible department, org unit and quarter, the department's 投诉率
  (its complaints over the unit's policies underwritten: the departments share the unit's
  business), 投诉处理及时率 (the stricter of the company's and the regulator's deadline) and its
  complainants' 客户满意度, judged exactly as the units are (macros/assessment_judgement.sql):
  the department's own complaint-rate target and margins (department_targets), the other
  thresholds, the minimum bases and the small-sample rule of the assessment_rules version in
  force at quarter end. Under pool_with_parent a short KPI is judged on the same department's
  figures at the parent unit. A department with no target in force (unassigned) is not
  judged. Training (§6.3): the class most of the department's complaints fall in.
#}
with {{ assessment_quarters() }}

policies as (
    -- the unit's policies underwritten (投诉率's denominator), the same for each of its departments
    select
        r.org_code,
        months.year_number,
        months.quarter_number,
        count(*) as months_covered,
        {{ sum_int("r.denominator") }} as policies
    from {{ ref('kpi_complaint_rate') }} as r
    inner join months on r.month_start = months.month_start
    group by r.org_code, months.year_number, months.quarter_number
),

departments as (
    select
        d.org_code,
        max(d.org_name) as org_name,
        max(d.org_level) as org_level,
        d.department_code,
        max(d.department_name) as department_name,
        months.year_number,
        months.quarter_number,
        {{ sum_int("d.complaints_received") }} as complaints,
        {{ sum_int("d.handled_on_time") }} as handled_on_time,
        {{ sum_int("d.company_on_time") }} as company_on_time,
        {{ sum_int("d.regulator_on_time") }} as regulator_on_time,
        {{ sum_int("d.respondents_satisfied") }} as respondents_satisfied,
        {{ sum_int("d.respondents_reached") }} as respondents_reached
    from {{ ref('kpi_complaints_by_department') }} as d
    inner join months on d.month_start = months.month_start
    group by d.org_code, d.department_code, months.year_number, months.quarter_number
),

targets as (
    select * from {{ ref('department_targets') }}
),

quarterly as (
    select
        departments.org_code,
        departments.org_name,
        departments.org_level,
        departments.department_code,
        departments.department_name,
        departments.year_number,
        departments.quarter_number,
        quarters.quarter_end,
        policies.months_covered,
        departments.complaints,
        policies.policies,
        {{ safe_ratio('departments.complaints', 'policies.policies') }} as complaint_rate,
        departments.handled_on_time,
        departments.complaints as complaints_received,
        {{ safe_ratio('departments.handled_on_time', 'departments.complaints') }} as timeliness_rate,
        {{ safe_ratio('departments.company_on_time', 'departments.complaints') }} as company_timeliness_rate,
        {{ safe_ratio('departments.regulator_on_time', 'departments.complaints') }} as regulator_timeliness_rate,
        departments.respondents_satisfied,
        departments.respondents_reached,
        {{ safe_ratio('departments.respondents_satisfied', 'departments.respondents_reached') }} as satisfaction_rate
    from departments
    inner join policies
        on departments.org_code = policies.org_code
            and departments.year_number = policies.year_number and departments.quarter_number = policies.quarter_number
    inner join quarters
        on departments.year_number = quarters.year_number and departments.quarter_number = quarters.quarter_number
),

with_parent as (
    -- the department's target in force at quarter end (none: not judged), and the same
    -- department's figures at the parent unit (the tree as it stood at quarter end)
    select
        quarterly.*,
        targets.target_version,
        targets.complaint_rate_target,
        targets.rate_margin_up,
        targets.rate_margin_down,
        parent.complaints as parent_complaints,
        parent.policies as parent_policies,
        parent.handled_on_time as parent_handled_on_time,
        parent.complaints_received as parent_complaints_received,
        parent.respondents_satisfied as parent_respondents_satisfied,
        parent.respondents_reached as parent_respondents_reached
    from quarterly
    inner join targets
        on quarterly.department_code = targets.department_code
            and quarterly.quarter_end between targets.effective_from and {{ open_end('targets.effective_to') }}
    left join {{ ref('dim_org_history') }} as units
        on quarterly.org_code = units.org_code
            and quarterly.quarter_end between units.valid_from and units.valid_to
    left join quarterly as parent
        on units.parent_org_code = parent.org_code and quarterly.department_code = parent.department_code
            and quarterly.year_number = parent.year_number and quarterly.quarter_number = parent.quarter_number
),

class_leaf as (
    select
        org_code,
        received_date as activity_date,
        responsible_department as department_code,
        complaint_class,
        count(*) as class_complaints
    from {{ ref('fct_complaints') }}
    group by org_code, received_date, responsible_department, complaint_class
),

class_months as (
    -- rolled up the tree; only the unit-months with complaints (a department without any has no top class)
    {{ org_month_rollup('class_leaf', ['class_complaints'], keys=['department_code', 'complaint_class'], dense=false) }}
),

classes as (
    select
        class_months.org_code,
        class_months.department_code,
        months.year_number,
        months.quarter_number,
        class_months.complaint_class,
        {{ sum_int("class_months.class_complaints") }} as class_complaints
    from class_months
    inner join months on class_months.month_start = months.month_start
    group by
        class_months.org_code, class_months.department_code, months.year_number, months.quarter_number,
        class_months.complaint_class
),

{{ top_class_of('classes', ['org_code', 'department_code', 'year_number', 'quarter_number']) }},

{{ assessment_judgement(['org_code', 'department_code', 'year_number', 'quarter_number'], own_rate_target=true) }}

select
    outcome.department_code,
    outcome.department_name,
    outcome.org_code,
    outcome.org_name,
    outcome.org_level,
    concat(
        cast(outcome.year_number as {{ dbt.type_string() }}), '-Q',
        cast(outcome.quarter_number as {{ dbt.type_string() }})
    ) as period_quarter,
    outcome.year_number,
    outcome.quarter_number,
    outcome.target_version,
    {{ assessment_columns() }},
    {{ assessment_training_columns() }}
from outcome
left join {{ ref('training_topics') }} as topics
    on outcome.top_complaint_class = topics.complaint_class
