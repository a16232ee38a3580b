{#
  95519 热线服务水平 Hotline service level (004: 24-hour telephone service, 及时接听客户电话) per
  org unit (rolled up the hierarchy as it stood) and month: calls an agent answered within the
  standard's seconds ÷ calls offered (fct_hotline_calls, hotline_standards in force on the
  day); the abandonment rate, and the service level out of hours (the 24-hour promise), beside it.
#}
with leaf as (
    select
        org_code,
        occurred_date as activity_date,
        standard_version as hotline_standard_versions,
        count(case when is_answered_in_time then 1 end) as answered_in_time,
        count(*) as calls_offered,
        count(case when is_abandoned then 1 end) as abandoned,
        count(case when is_out_of_hours then 1 end) as out_of_hours_calls,
        count(case when is_out_of_hours and is_answered_in_time then 1 end) as out_of_hours_answered_in_time
    from {{ ref('fct_hotline_calls') }}
    group by org_code, occurred_date, standard_version
),

rolled as (
    {{ org_month_rollup('leaf', ['answered_in_time', 'calls_offered', 'abandoned', 'out_of_hours_calls',
                                 'out_of_hours_answered_in_time'], lists=['hotline_standard_versions']) }}
)

select
    org_code,
    org_name,
    org_level,
    period_month,
    month_start,
    answered_in_time as numerator,
    calls_offered as denominator,
    {{ safe_ratio('answered_in_time', 'calls_offered') }} as rate,
    abandoned,
    {{ safe_ratio('abandoned', 'calls_offered') }} as abandonment_rate,
    out_of_hours_calls,
    out_of_hours_answered_in_time,
    {{ safe_ratio('out_of_hours_answered_in_time', 'out_of_hours_calls') }} as out_of_hours_rate,
    hotline_standard_versions
from rolled
