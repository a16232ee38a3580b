{#
  首问责任制 First-contact resolution (004 服务规范 5: the first person to take a customer's request
  follows it through to the end): service interactions completed by whoever took them, not
  transferred, ÷ interactions served (completed or transferred; an abandoned one was never
  served), per org unit, month and channel, rolled up the hierarchy as it stood.
#}
with leaf as (
    select
        org_code,
        occurred_date as activity_date,
        channel_code,
        count(case when outcome = 'completed' then 1 end) as numerator,
        count(case when outcome in ('completed', 'transferred') then 1 end) as denominator
    from {{ ref('fct_service_events') }}
    group by org_code, occurred_date, channel_code
),

rolled as (
    {{ org_month_rollup('leaf', ['numerator', 'denominator'], keys=['channel_code']) }}
)

select
    org_code,
    org_name,
    org_level,
    period_month,
    month_start,
    channel_code,
    numerator,
    denominator,
    {{ safe_ratio('numerator', 'denominator') }} as rate
from rolled
