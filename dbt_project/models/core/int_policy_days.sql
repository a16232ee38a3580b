{#
  Policies underwritten per unit, day, line of business and sales channel: the policy side
  of 投诉率 and its segments, kept incrementally by month (see incremental_rollup).
#}
{{ config(**incremental_months_config('underwritten_month')) }}

with fingerprints as (
    {{ rollup_fingerprints(["select underwritten_month as month, load_id from " ~ ref('stg_ops__policies')]) }}
),

months as (
    {{ rollup_months('fingerprints', 'underwritten_month') }}
)

select
    policies.org_code,
    policies.underwritten_on,
    policies.underwritten_month,
    policies.product_line,
    policies.sales_channel,
    count(*) as policies,
    cast(sum(policies.premium) as decimal(18,2)) as premium,
    {{ sum_int("policies.insured_persons") }} as insured_persons,
    fingerprints.input_fingerprint
from {{ ref('fct_policies') }} policies
inner join fingerprints on fingerprints.month = policies.underwritten_month
where policies.underwritten_month in (select month from months)
group by policies.org_code, policies.underwritten_on, policies.underwritten_month, policies.product_line,
         policies.sales_channel, fingerprints.input_fingerprint
