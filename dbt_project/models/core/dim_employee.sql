-- Staff and the unit they belong to.
select employee_id, employee_name, org_code, team_code, position, hire_date, leave_date,
       leave_date is null as is_active, load_id, source_file, source_row
from {{ ref('stg_ops__employees') }}
