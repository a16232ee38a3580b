{#
  Policies underwritten per unit, day, line of business and sales channel: the policy side
  of 投诉率 and its segments, kept incrementally by month (see kept_by_month).
#}
{%- set kept = kept_by_month(
    'underwritten_month',
    inputs=[{'model': 'stg_ops__policies', 'month': 'underwritten_month'}]
) %}
{{ config(**kept.config) }}

with months as (
    {{ months_to_build(kept) }}
),

rolled as (
    select
        org_code,
        underwritten_on,
        underwritten_month,
        product_line,
        sales_channel,
        count(*) as policies,
        cast(sum(premium) as decimal(18, 2)) as premium,
        {{ sum_int("insured_persons") }} as insured_persons
    from {{ ref('fct_policies') }}
    where underwritten_month in (select month from months)
    group by org_code, underwritten_on, underwritten_month, product_line, sales_channel
)

select
    rolled.*,
    months.input_fingerprint
from rolled
inner join months on rolled.underwritten_month = months.month
