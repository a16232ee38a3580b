{#
  柜面服务时效 Counter timeliness per business type (004 柜面服务标准 §5) = completed counter
  transactions within the standard (wait and handling time, counter_standards seed) ÷
  completed counter transactions, per org unit, month and business type; with the mean wait
  and handling times and the transactions abandoned.
#}
with leaf as (
    select
        org_code,
        occurred_date as activity_date,
        business_type,
        standard_version as standard_versions,
        transactions,
        completed,
        within_standard,
        abandoned,
        wait_seconds_total,
        handle_seconds_total
    from {{ ref('int_counter_days') }}
),

rolled as (
    {{ org_month_rollup('leaf', ['transactions', 'completed', 'within_standard', 'abandoned', 'wait_seconds_total',
                                 'handle_seconds_total'], keys=['business_type'], lists=['standard_versions']) }}
)

select
    org_code,
    org_name,
    org_level,
    period_month,
    month_start,
    business_type,
    within_standard as numerator,
    completed as denominator,
    {{ safe_ratio('within_standard', 'completed') }} as rate,
    transactions,
    abandoned,
    {{ safe_ratio('wait_seconds_total', 'completed') }} as avg_wait_seconds,
    {{ safe_ratio('handle_seconds_total', 'completed') }} as avg_handle_seconds,
    standard_versions
from rolled
