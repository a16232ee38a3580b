{#
  95519 hotline calls (004: 24-hour telephone service, 及时接听客户电话) with the hotline standard
  in force on the day (hotline_standards seed): a call is answered in time when an agent took
  it (it was not abandoned) within answer_within_seconds; out of hours when it came before
  out_of_hours_before or from out_of_hours_from o'clock. A view: the service-event staging
  table holds the rows.
#}
{{ config(materialized='view') }}

with calls as (
    select * from {{ ref('fct_service_events') }}
    where channel_code = 'hotline'
)

select
    calls.service_event_id,
    calls.org_code,
    calls.employee_id,
    calls.business_type,
    calls.outcome,
    calls.occurred_at,
    calls.occurred_date,
    calls.occurred_month,
    calls.wait_seconds,
    standard.standard_version,
    standard.answer_within_seconds,
    calls.load_id,
    calls.source_file,
    calls.source_row,
    calls.outcome = 'abandoned' as is_abandoned,
    coalesce(
        calls.outcome <> 'abandoned' and calls.wait_seconds <= standard.answer_within_seconds, false
    ) as is_answered_in_time,
    coalesce(
        extract(hour from calls.occurred_at) < standard.out_of_hours_before
        or extract(hour from calls.occurred_at) >= standard.out_of_hours_from, false
    ) as is_out_of_hours
from calls
left join {{ ref('hotline_standards') }} as standard
    on calls.occurred_date between standard.effective_from and {{ open_end('standard.effective_to') }}
