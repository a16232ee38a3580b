{#
  投诉热点 Where complaints concentrate (001 §7.3, 003 §6.3): complaints received per org unit,
  month and one breakdown at a time — dimension_type complaint_class (003), complaint_class_001
  (001), channel, product_line and reason — with the change on the previous month (环比) and
  on the same month a year before (同比), the share of the unit's complaints and the rank of
  the value within the unit's month (1 = most complaints). Through a bridge a complaint
  counts once per product line or reason it concerns, so those shares may add up to more
  than 1; the class and channel breakdowns count each complaint once. Kept by month
  (kept_by_month): a month is also rebuilt when the month before it or the same month a year
  before changed, as it compares with them.
#}
{%- set kept = kept_by_month(
    'month_start',
    inputs=[
        {'model': 'fct_complaints', 'month': 'received_month', 'kept': true},
        {'model': 'bridge_complaint_product', 'month': 'received_month', 'kept': true},
        {'model': 'bridge_complaint_reason', 'month': 'received_month', 'kept': true}],
    rules=[ref('complaint_classes'), ref('channels'), ref('complaint_reasons'), 'key_values'],
    compares_with=[1, 12],
    spine=true
) %}
{{ config(**kept.config) }}
with key_values as (
    select distinct
        'complaint_class' as dimension_type,
        complaint_class as dimension_value
    from {{ ref('fct_complaints') }}
    union
    select distinct
        'complaint_class_001',
        complaint_class_001
    from {{ ref('fct_complaints') }}
    union
    select distinct
        'channel',
        channel_code
    from {{ ref('fct_complaints') }}
    union
    select distinct
        'product_line',
        product_line
    from {{ ref('bridge_complaint_product') }}
    union
    select distinct
        'reason',
        reason_code
    from {{ ref('bridge_complaint_reason') }}
),

months as (
    {{ months_to_build(kept) }}
),

-- the months rebuilt and those they compare with
read_months as (
    {{ months_with_compared(kept, 'months') }}
),

complaints as (
    select * from {{ ref('fct_complaints') }}
    where received_month in (select month from read_months)
),

leaf as (
    select
        org_code,
        received_date as activity_date,
        'complaint_class' as dimension_type,
        complaint_class as dimension_value,
        count(*) as complaints_received,
        count(case when is_closed_on_time then 1 end) as closed_on_time,
        count(case when is_repeat_complaint then 1 end) as repeat_complaints
    from complaints
    group by org_code, received_date, complaint_class
    union all
    select
        org_code,
        received_date,
        'complaint_class_001',
        complaint_class_001,
        count(*),
        count(case when is_closed_on_time then 1 end),
        count(case when is_repeat_complaint then 1 end)
    from complaints
    group by org_code, received_date, complaint_class_001
    union all
    select
        org_code,
        received_date,
        'channel',
        channel_code,
        count(*),
        count(case when is_closed_on_time then 1 end),
        count(case when is_repeat_complaint then 1 end)
    from complaints
    group by org_code, received_date, channel_code
    union all
    -- the bridge has a row per product: one per product line first, then plain counts
    select
        complaints.org_code,
        complaints.received_date,
        'product_line',
        products.product_line,
        count(*),
        count(case when complaints.is_closed_on_time then 1 end),
        count(case when complaints.is_repeat_complaint then 1 end)
    from complaints
    inner join (  -- noqa: ST05
        select distinct
            complaint_id,
            product_line
        from {{ ref('bridge_complaint_product') }}
        where received_month in (select month from read_months)
    ) as products
        on complaints.complaint_id = products.complaint_id
    group by complaints.org_code, complaints.received_date, products.product_line
    union all
    -- one bridge row per complaint and reason (tested unique), so plain counts count complaints
    select
        complaints.org_code,
        complaints.received_date,
        'reason',
        reasons.reason_code,
        count(*),
        count(case when complaints.is_closed_on_time then 1 end),
        count(case when complaints.is_repeat_complaint then 1 end)
    from complaints
    inner join (  -- noqa: ST05
        select * from {{ ref('bridge_complaint_reason') }}
        where received_month in (select month from read_months)
    ) as reasons
        on complaints.complaint_id = reasons.complaint_id
    group by complaints.org_code, complaints.received_date, reasons.reason_code
),

rolled as (
    {{ org_month_rollup('leaf', ['complaints_received', 'closed_on_time', 'repeat_complaints'],
                        keys=['dimension_type', 'dimension_value'], months='read_months', key_values='key_values') }}
),

names as (
    select
        'complaint_class' as dimension_type,
        class_code as dimension_value,
        name_zh
    from {{ ref('complaint_classes') }}
    where scheme = '003'
    union all
    select
        'complaint_class_001',
        class_code,
        name_zh
    from {{ ref('complaint_classes') }}
    where scheme = '001'
    union all
    select
        'channel',
        channel_code,
        channel_name_zh
    from {{ ref('channels') }}
    union all
    select
        'reason',
        reason_code,
        reason_zh
    from {{ ref('complaint_reasons') }}
),

compared as (
    -- the month before and the same month a year before, by month number (not by row: a unit
    -- may not have existed in every month). Windows, not self-joins: Spark inlines a CTE once per
    -- reference, and three copies of rolled ran its unit test out of heap.
    select
        rolled.*,
        cast(rank() over (
            partition by rolled.org_code, rolled.month_start, rolled.dimension_type
            order by rolled.complaints_received desc
        ) as bigint) as rank_in_unit,  -- Spark's rank() is an int
        max(rolled.complaints_received) over (
            partition by rolled.org_code, rolled.dimension_type, rolled.dimension_value order by rolled.month_number
            range between 1 preceding and 1 preceding
        ) as previous_month,
        max(rolled.complaints_received) over (
            partition by rolled.org_code, rolled.dimension_type, rolled.dimension_value order by rolled.month_number
            range between 12 preceding and 12 preceding
        ) as same_month_last_year
    from (select
        *,
        {{ month_number('month_start') }} as month_number
    from rolled) as rolled
)

select
    compared.org_code,
    compared.org_name,
    compared.org_level,
    compared.period_month,
    compared.month_start,
    compared.dimension_type,
    compared.dimension_value,
    coalesce(names.name_zh, compared.dimension_value) as dimension_name_zh,
    compared.complaints_received,
    compared.closed_on_time,
    compared.repeat_complaints,
    {{ safe_ratio('compared.complaints_received', 'totals.numerator') }} as share_of_unit,
    case when compared.complaints_received > 0 then compared.rank_in_unit end as rank_in_unit,
    compared.previous_month,
    compared.complaints_received - compared.previous_month as change_on_previous_month,
    {{ safe_ratio('compared.complaints_received - compared.previous_month', 'compared.previous_month') }}
        as change_on_previous_month_pct,
    compared.same_month_last_year,
    compared.complaints_received - compared.same_month_last_year as change_on_last_year,
    {{ safe_ratio('compared.complaints_received - compared.same_month_last_year', 'compared.same_month_last_year') }}
        as change_on_last_year_pct,
    months.input_fingerprint
from compared
inner join months on compared.month_start = months.month
inner join {{ ref('kpi_complaint_rate') }} as totals
    on compared.org_code = totals.org_code and compared.month_start = totals.month_start
left join names
    on compared.dimension_type = names.dimension_type and compared.dimension_value = names.dimension_value
