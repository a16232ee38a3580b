{#
  Staff assignments with their history (type 2): one row per employee and assignment (unit,
  team, position), valid from valid_from to valid_to (both inclusive). A record is attributed
  to the team and unit the employee belonged to on the record's day.
#}
select
    employee_id,
    valid_from,
    valid_to,
    org_code,
    team_code,
    position,
    employee_name,
    hire_date,
    leave_date,
    load_id,
    source_file,
    source_row,
    valid_to = max(valid_to) over (partition by employee_id) as is_latest_assignment
from {{ ref('stg_ops__employees') }}
