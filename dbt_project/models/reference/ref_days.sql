-- 日历 The calendar days the working-day calendar covers, for BI readers and as MetricFlow's
-- daily time spine: each day with its month and whether it is a Chinese working day.
select
    date_day,
    month_start,
    period_month,
    is_workday,
    is_holiday,
    is_makeup_workday,
    is_provisional
from {{ ref('dim_date') }}
