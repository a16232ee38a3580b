{#
  Counter (柜面) transactions with the timeliness standard of their business type (004 柜面服务
  标准 §5; counter_standards seed, the version in force that day): a completed transaction is
  within the standard when the customer waited no longer than max_wait_minutes and it was
  handled within max_handle_minutes. A view: the service-event staging table holds the rows.
#}
{{ config(materialized='view') }}

with counter as (
    select * from {{ ref('fct_service_events') }}
    where channel_code = 'counter'
)

select
    counter.service_event_id,
    counter.org_code,
    counter.employee_id,
    counter.business_type,
    counter.outcome,
    counter.occurred_at,
    counter.occurred_date,
    counter.occurred_month,
    counter.wait_seconds,
    counter.handle_seconds,
    standard.standard_version,
    standard.max_wait_minutes,
    standard.max_handle_minutes,
    counter.load_id,
    counter.source_file,
    counter.source_row,
    counter.outcome = 'completed' as is_completed,
    coalesce(
        counter.outcome = 'completed'
        and counter.wait_seconds <= standard.max_wait_minutes * 60
        and counter.handle_seconds <= standard.max_handle_minutes * 60, false
    ) as is_within_standard
from counter
left join {{ ref('counter_standards') }} as standard
    on counter.business_type = standard.business_type
        and counter.occurred_date between standard.effective_from and {{ open_end('standard.effective_to') }}
