{#
  Policies underwritten per unit, day, line of business and sales channel: the policy side
  of 投诉率 and its segments, kept incrementally by month (see incremental_rollup).
#}
{{ config(**incremental_months_config('underwritten_month', [['fct_policies', 'underwritten_month']])) }}

with fingerprints as (
    {{ rollup_fingerprints(["select underwritten_month as month, load_id from " ~ ref('stg_ops__policies')]) }}
),

months as (
    {{ rollup_months('fingerprints', 'underwritten_month') }}
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

{{ with_month_fingerprint('underwritten_month') }}
