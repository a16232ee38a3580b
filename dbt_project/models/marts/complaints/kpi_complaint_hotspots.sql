{#
  投诉热点 Where complaints concentrate (001 §7.3, 003 §6.3): complaints received per org unit,
  month and one breakdown at a time — dimension_type complaint_class (003), complaint_class_001
  (001), channel, product_line and reason — with the change on the previous month (环比) and
  on the same month a year before (同比), the share of the unit's complaints and the rank of
  the value within the unit's month (1 = most complaints). Through a bridge a complaint
  counts once per product line or reason it concerns, so those shares may add up to more
  than 1; the class and channel breakdowns count each complaint once. Kept by month
  (kept_by_month): a month is also rebuilt when the month before it or the same month a year
  before changed, as it compares with them. A row stands where the value counted complaints in
  the month, the month before or the same month a year before: a value that fell to 0 shows its
  fall, one absent from all three months has no row.
#}
{%- set kept = kept_by_month(
    'month_start',
    inputs=[
        {'model': 'fct_complaints', 'month': 'received_month', 'kept': true},
        {'model': 'bridge_complaint_product', 'month': 'received_month', 'kept': true},
        {'model': 'bridge_complaint_reason', 'month': 'received_month', 'kept': true}],
    rules=[ref('complaint_classes'), ref('channels'), ref('complaint_reasons')],
    compares_with=[1, 12],
    spine=true
) %}
{{ config(**kept.config) }}
with months as (
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
                        keys=['dimension_type', 'dimension_value'], months='read_months', dense=false) }}
),

offsets as (
    select 0 as months_later
    union all
    select 1
    union all
    select 12
),

-- each count stands in its own month, as the month before of the next month and as the same
-- month a year before of the month a year later: one pass over rolled, not self-joins (Spark
-- inlines a CTE once per reference, and three copies of rolled ran its unit test out of heap)
shifted as (
    select
        rolled.org_code,
        rolled.dimension_type,
        rolled.dimension_value,
        {{ month_number('rolled.month_start') }} + offsets.months_later as month_number,
        sum(case when offsets.months_later = 0 then rolled.complaints_received end) as complaints_received,
        sum(case when offsets.months_later = 0 then rolled.closed_on_time end) as closed_on_time,
        sum(case when offsets.months_later = 0 then rolled.repeat_complaints end) as repeat_complaints,
        sum(case when offsets.months_later = 1 then rolled.complaints_received end) as previous_month,
        sum(case when offsets.months_later = 12 then rolled.complaints_received end) as same_month_last_year
    from rolled
    cross join offsets
    group by
        rolled.org_code,
        rolled.dimension_type,
        rolled.dimension_value,
        {{ month_number('rolled.month_start') }} + offsets.months_later
),

-- a unit that did not exist in the month compared with has no figure for it (null), one that
-- did has its count (0 when none)
unit_months as (
    select
        orgs.*,
        max(orgs.month_number) over (
            partition by orgs.org_code order by orgs.month_number range between 1 preceding and 1 preceding
        ) is not null as had_previous_month,
        max(orgs.month_number) over (
            partition by orgs.org_code order by orgs.month_number range between 12 preceding and 12 preceding
        ) is not null as had_month_last_year
    from (
        select
            org_code,
            org_name,
            org_level,
            period_month,
            month_start,
            {{ month_number('month_start') }} as month_number
        from {{ ref('int_org_months') }}
        where month_start in (select month from read_months)
    ) as orgs
),

compared as (
    select
        units.org_code,
        units.org_name,
        units.org_level,
        units.period_month,
        units.month_start,
        shifted.dimension_type,
        shifted.dimension_value,
        cast(rank() over (
            partition by units.org_code, units.month_start, shifted.dimension_type
            order by coalesce(shifted.complaints_received, 0) desc
        ) as bigint) as rank_in_unit,  -- Spark's rank() is an int
        cast(coalesce(shifted.complaints_received, 0) as bigint) as complaints_received,
        cast(coalesce(shifted.closed_on_time, 0) as bigint) as closed_on_time,
        cast(coalesce(shifted.repeat_complaints, 0) as bigint) as repeat_complaints,
        case when units.had_previous_month then cast(coalesce(shifted.previous_month, 0) as bigint) end
            as previous_month,
        case when units.had_month_last_year then cast(coalesce(shifted.same_month_last_year, 0) as bigint) end
            as same_month_last_year
    from shifted
    inner join unit_months as units
        on shifted.org_code = units.org_code and shifted.month_number = units.month_number
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
