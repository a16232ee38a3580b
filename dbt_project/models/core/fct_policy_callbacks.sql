-- New-policy callback attempts (回访). A view: the incremental staging table holds the rows.
{{ config(materialized='view') }}

select
    callback_id,
    policy_no,
    org_code,
    employee_id,
    result,
    called_at,
    called_month,
    load_id,
    source_file,
    source_row,
    result = 'reached' as is_reached
from {{ ref('stg_ops__policy_callbacks') }}
