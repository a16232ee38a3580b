-- One row per month the calendar covers: the period axis of every KPI mart.
select
    month_start,
    period_month,
    min(year_number) as year_number,
    min(quarter_number) as quarter_number,
    max(date_day) as month_end,
    count(case when is_workday then 1 end) as working_days
from {{ ref('dim_date') }}
group by month_start, period_month
