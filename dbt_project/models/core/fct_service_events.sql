-- Counter, hotline and online service interactions. A view: the incremental staging table
-- holds the rows, so a daily run copies nothing here.
{{ config(materialized='view') }}

select
    service_event_id,
    org_code,
    employee_id,
    policy_no,
    channel_code,
    business_type,
    outcome,
    occurred_at,
    cast(occurred_at as date) as occurred_date,
    occurred_month,
    wait_seconds,
    handle_seconds,
    load_id,
    source_file,
    source_row
from {{ ref('stg_ops__service_events') }}
