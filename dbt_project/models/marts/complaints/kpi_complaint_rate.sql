{#
  投诉率 complaint rate (003 §5.1) = complaints received in the month ÷ policies underwritten
  (承保件数) in the same month, per org unit (rolled up the hierarchy as it stood) and month.
  Also the regulator's forms: per 亿元保费 (100 million CNY premium), per 万张保单 (10,000
  policies) and per 万人次 (10,000 insured persons) — see the companion columns.
#}
with complaints as (
    select
        org_code,
        received_date as activity_date,
        count(*) as complaints_received,
        0 as policies_underwritten,
        cast(0 as decimal(18, 2)) as premium,
        0 as insured_persons
    from {{ ref('fct_complaints') }}
    group by org_code, received_date
),

policies as (
    select
        org_code,
        underwritten_on as activity_date,
        0 as complaints_received,
        sum(policies) as policies_underwritten,
        cast(sum(premium) as decimal(18, 2)) as premium,
        sum(insured_persons) as insured_persons
    from {{ ref('int_policy_days') }}
    group by org_code, underwritten_on
),

leaf as (
    select * from complaints
    union all
    select * from policies
),

rolled as (
    {{ org_month_rollup('leaf', ['complaints_received', 'policies_underwritten', 'premium', 'insured_persons'],
                        types={'premium': 'decimal(18,2)'}) }}
)

select
    org_code,
    org_name,
    org_level,
    period_month,
    month_start,
    complaints_received as numerator,
    policies_underwritten as denominator,
    {{ safe_ratio('complaints_received', 'policies_underwritten') }} as rate,
    premium,
    insured_persons,
    {{ safe_ratio('complaints_received * 100000000', 'premium') }} as complaints_per_100m_premium,
    {{ safe_ratio('complaints_received * 10000', 'policies_underwritten') }} as complaints_per_10k_policies,
    {{ safe_ratio('complaints_received * 10000', 'insured_persons') }} as complaints_per_10k_insured
from rolled
