{#
  投诉率 by segment (003 §5.1 "per branch / department / product / channel"): complaints
  received ÷ policies underwritten in the month, per org unit, month and segment — the line
  of business (product_line) and the sales channel (sales_channel, through the complaint's
  policy). A complaint whose segment is not known counts under 'unknown', which has no
  policies (rate null). Kept by month (kept_by_month); a complaint's channel comes from
  its policy, which may be corrected in a later month's load, so a month's fingerprint also
  counts its complaints' policies per load (a corrected policy moves to a newer load).
#}
{#- policy_loads (a CTE below): a complaint's channel comes from its policy, whose corrections
    change the complaint's month #}
{%- set kept = kept_by_month(
    'month_start',
    inputs=[
        {'model': 'fct_complaints', 'month': 'received_month', 'kept': true},
        {'model': 'int_policy_days', 'month': 'underwritten_month', 'kept': true},
        {'relation': 'policy_loads', 'month': 'received_month', 'kept': true}],
    rules=['key_values'],
    spine=true
) %}
{{ config(**kept.config) }}
with complaint_channels as (
    select
        complaints.received_month,
        policies.load_id,
        coalesce(policies.sales_channel, 'unknown') as sales_channel,
        count(*) as complaints
    from {{ ref('fct_complaints') }} as complaints
    left join {{ ref('fct_policies') }} as policies on complaints.policy_no = policies.policy_no
    group by complaints.received_month, policies.load_id, coalesce(policies.sales_channel, 'unknown')
),

policy_loads as (
    select
        received_month,
        {{ ordered_list("coalesce(load_id, 'none') || ':' || cast(complaints as " ~ dbt.type_string() ~ ")") }}
            as input_fingerprint
    from (
        select
            received_month,
            load_id,
            sum(complaints) as complaints
        from complaint_channels
        group by received_month, load_id
    ) as per_load
    group by received_month
),

key_values as (
    select distinct
        'product_line' as segment_type,
        coalesce(product_line, 'unknown') as segment_value
    from {{ ref('fct_complaints') }}
    union
    select distinct
        'sales_channel',
        sales_channel
    from complaint_channels
    union
    select distinct
        'product_line',
        product_line
    from {{ ref('int_policy_days') }}
    union
    select distinct
        'sales_channel',
        sales_channel
    from {{ ref('int_policy_days') }}
),

months as (
    {{ months_to_build(kept) }}
),

complaints as (
    select
        org_code,
        received_date,
        policy_no,
        coalesce(product_line, 'unknown') as product_line
    from {{ ref('fct_complaints') }}
    where received_month in (select month from months)
),

policies as (
    select
        org_code,
        underwritten_on,
        product_line,
        sales_channel,
        policies,
        premium
    from {{ ref('int_policy_days') }}
    where underwritten_month in (select month from months)
),

leaf as (
    select
        org_code,
        received_date as activity_date,
        'product_line' as segment_type,
        product_line as segment_value,
        count(*) as complaints_received,
        0 as policies_underwritten,
        cast(0 as decimal(18, 2)) as premium
    from complaints
    group by org_code, received_date, product_line
    union all
    select
        complaints.org_code,
        complaints.received_date,
        'sales_channel',
        coalesce(policy.sales_channel, 'unknown'),
        count(*),
        0,
        cast(0 as decimal(18, 2))
    from complaints
    left join {{ ref('fct_policies') }} as policy on complaints.policy_no = policy.policy_no
    group by complaints.org_code, complaints.received_date, coalesce(policy.sales_channel, 'unknown')
    union all
    select
        org_code,
        underwritten_on,
        'product_line',
        product_line,
        0,
        sum(policies),
        cast(sum(premium) as decimal(18, 2))
    from policies
    group by org_code, underwritten_on, product_line
    union all
    select
        org_code,
        underwritten_on,
        'sales_channel',
        sales_channel,
        0,
        sum(policies),
        cast(sum(premium) as decimal(18, 2))
    from policies
    group by org_code, underwritten_on, sales_channel
),

rolled as (
    {{ org_month_rollup('leaf', ['complaints_received', 'policies_underwritten', 'premium'],
                        keys=['segment_type', 'segment_value'], types={'premium': 'decimal(18,2)'},
                        months='months', key_values='key_values') }}
)

select
    org_code,
    org_name,
    org_level,
    period_month,
    month_start,
    segment_type,
    segment_value,
    complaints_received as numerator,
    policies_underwritten as denominator,
    {{ safe_ratio('complaints_received', 'policies_underwritten') }} as rate,
    premium,
    {{ safe_ratio('complaints_received * 100000000', 'premium') }} as complaints_per_100m_new_premium,
    months.input_fingerprint
from rolled
inner join months on rolled.month_start = months.month
