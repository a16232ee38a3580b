{#
  投诉处理及时率 on-time complaint handling (003 §5.2) = complaints received in the month and
  closed on or before their deadline (working days per complaint class, complaint_deadlines
  seed) ÷ complaints received in the month, per org unit and month. Open complaints count
  in the denominator only. avg_days_to_close: mean plain days from receipt to final closure
  of the month's closed complaints.
#}
with leaf as (
    select
        org_code,
        received_month as month_start,
        count(*) as complaints_received,
        sum(case when is_closed_on_time then 1 else 0 end) as closed_on_time,
        sum(case when is_closed and not is_closed_on_time then 1 else 0 end) as closed_late,
        sum(case when not is_closed then 1 else 0 end) as still_open,
        sum(case when is_reopened then 1 else 0 end) as reopened,
        sum(case when is_closed then days_to_close else 0 end) as days_to_close_total
    from {{ ref('fct_complaints') }}
    group by org_code, received_month
),

rolled as (
    {{ org_month_rollup('leaf', ['complaints_received', 'closed_on_time', 'closed_late', 'still_open', 'reopened',
                            'days_to_close_total']) }}
)

select
    org_code,
    org_name,
    org_level,
    period_month,
    month_start,
    closed_on_time as numerator,
    complaints_received as denominator,
    {{ safe_ratio('closed_on_time', 'complaints_received') }} as rate,
    closed_late,
    still_open,
    reopened,
    days_to_close_total,
    {{ safe_ratio('days_to_close_total', 'closed_on_time + closed_late') }} as avg_days_to_close
from rolled
