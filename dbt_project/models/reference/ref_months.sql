-- 统计期间 The months and quarters the KPI marts count in, with their working days.
select
    month_start,
    period_month,
    month_end,
    year_number,
    quarter_number,
    concat(
        cast(year_number as {{ dbt.type_string() }}), '-Q', cast(quarter_number as {{ dbt.type_string() }})
    ) as period_quarter,
    cast(working_days as bigint) as working_days
from {{ ref('dim_month') }}
