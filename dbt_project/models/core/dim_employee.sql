-- Staff as they are now: each employee's latest assignment. History: dim_employee_history.
select
    employee_id,
    employee_name,
    org_code,
    team_code,
    position,
    hire_date,
    leave_date,
    valid_from as assigned_from,
    load_id,
    source_file,
    source_row,
    leave_date is null as is_active
from {{ ref('dim_employee_history') }}
where is_latest_assignment
