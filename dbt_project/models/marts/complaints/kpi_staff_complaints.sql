{#
  员工投诉热点 Complaints per responsible employee and month of receipt, at the team and unit
  the employee belonged to on the day of receipt (dim_employee_history), with the rank
  within the unit's month (1 = most complaints): which staff the complaints concentrate on
  (003 §6.2–6.3). Only employees with complaints in the month have a row.
#}
with counted as (
    select
        employee_id,
        received_month as month_start,
        coalesce(employee_org_code_at_receipt, org_code) as org_code,
        max(team_code_at_receipt) as team_code,
        count(*) as complaints_received,
        count(case when is_closed_on_time then 1 end) as closed_on_time,
        count(case when is_repeat_complaint then 1 end) as repeat_complaints,
        count(case when complaint_class = 'staff_violation' then 1 end) as staff_violations
    from {{ ref('fct_complaints') }}
    where employee_id is not null
    group by employee_id, received_month, coalesce(employee_org_code_at_receipt, org_code)
)

select
    counted.employee_id,
    counted.org_code,
    counted.team_code,
    months.period_month,
    counted.month_start,
    counted.complaints_received,
    counted.closed_on_time,
    counted.repeat_complaints,
    counted.staff_violations,
    cast(
        rank() over (partition by counted.org_code, counted.month_start order by counted.complaints_received desc)
        as bigint
    ) as rank_in_unit  -- Spark's rank() is an int
from counted
inner join {{ ref('dim_month') }} as months on counted.month_start = months.month_start
