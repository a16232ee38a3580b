{#
  投诉率 complaint rate (003 §5.1) = complaints received in the month ÷ policies underwritten
  (承保件数) in the same month, per org unit (rolled up the hierarchy as it stood) and month.
  Also the regulator's forms (NFRA 保险消费投诉情况通报) on the regulator's bases, from the book
  at the month's end (fct_policy_book): per 亿元保费 (100 million CNY of premium income,
  renewals included), per 万张保单 (10,000 policies in force) and per 万人次 (10,000 persons
  insured by them). The month's new premium and insured persons are kept beside them.
#}
with complaints as (
    select
        org_code,
        received_date as activity_date,
        count(*) as complaints_received,
        0 as policies_underwritten,
        cast(0 as decimal(18, 2)) as premium,
        0 as insured_persons,
        0 as policies_in_force,
        0 as insured_in_force,
        cast(0 as decimal(18, 2)) as premium_income
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
        sum(insured_persons) as insured_persons,
        0 as policies_in_force,
        0 as insured_in_force,
        cast(0 as decimal(18, 2)) as premium_income
    from {{ ref('int_policy_days') }}
    group by org_code, underwritten_on
),

book as (
    -- a stock at the month's end: dated then, so a unit counts under its parent of that day
    select
        org_code,
        as_of as activity_date,
        0 as complaints_received,
        0 as policies_underwritten,
        cast(0 as decimal(18, 2)) as premium,
        0 as insured_persons,
        {{ sum_int('policies_in_force') }} as policies_in_force,
        {{ sum_int('insured_in_force') }} as insured_in_force,
        cast(sum(premium_income) as decimal(18, 2)) as premium_income
    from {{ ref('fct_policy_book') }}
    group by org_code, as_of
),

leaf as (
    select * from complaints
    union all
    select * from policies
    union all
    select * from book
),

rolled as (
    {{ org_month_rollup('leaf', ['complaints_received', 'policies_underwritten', 'premium', 'insured_persons',
                                 'policies_in_force', 'insured_in_force', 'premium_income'],
                        types={'premium': 'decimal(18,2)', 'premium_income': 'decimal(18,2)'}) }}
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
    premium_income,
    policies_in_force,
    insured_in_force,
    {{ safe_ratio('complaints_received * 100000000', 'premium_income') }} as complaints_per_100m_premium,
    {{ safe_ratio('complaints_received * 10000', 'policies_in_force') }} as complaints_per_10k_policies,
    {{ safe_ratio('complaints_received * 10000', 'insured_in_force') }} as complaints_per_10k_insured
from rolled
