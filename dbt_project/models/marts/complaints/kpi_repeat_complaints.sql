{#
  重复投诉 Repeat complaints per org unit and month of receipt: complaints whose complainant
  complained before within the window (repeat_complaint_rules seed), the distinct
  complainants and the repeat complainants among them, and complaints reopened for
  re-investigation (second complaints, 二次投诉, have their own mart: kpi_second_complaints). rate = repeat complaints ÷ complaints received. Distinct complainants do not add
  up across units or months, so they are counted from the records at each unit. Kept by
  month (kept_by_month).
#}
{%- set kept = kept_by_month(
    'month_start',
    inputs=[{'model': 'fct_complaints', 'month': 'received_month', 'kept': true}],
    spine=true
) %}
{{ config(**kept.config) }}

with months as (
    {{ months_to_build(kept) }}
),

complaints as (
    select * from {{ ref('fct_complaints') }}
    where received_month in (select month from months)
),

at_unit as (
    select
        hierarchy.ancestor_org_code as org_code,
        complaints.received_month as month_start,
        count(*) as complaints_received,
        count(case when complaints.is_repeat_complaint then 1 end) as repeat_complaints,
        count(case when complaints.is_reopened then 1 end) as reopened,
        count(distinct complaints.customer_key) as complainants,
        count(distinct case when complaints.is_repeat_complaint then complaints.customer_key end)
            as repeat_complainants,
        {{ distinct_list('complaints.repeat_rule_version') }} as repeat_rule_versions
    from complaints
    inner join {{ ref('bridge_org_hierarchy') }} as hierarchy
        on complaints.org_code = hierarchy.org_code
            and complaints.received_date between hierarchy.valid_from and hierarchy.valid_to
    group by hierarchy.ancestor_org_code, complaints.received_month
)

select
    orgs.org_code,
    orgs.org_name,
    orgs.org_level,
    orgs.period_month,
    orgs.month_start,
    coalesce(at_unit.repeat_complaints, 0) as numerator,
    coalesce(at_unit.complaints_received, 0) as denominator,
    {{ safe_ratio('coalesce(at_unit.repeat_complaints, 0)', 'coalesce(at_unit.complaints_received, 0)') }} as rate,
    coalesce(at_unit.complainants, 0) as complainants,
    coalesce(at_unit.repeat_complainants, 0) as repeat_complainants,
    coalesce(at_unit.reopened, 0) as reopened,
    at_unit.repeat_rule_versions,
    months.input_fingerprint
from {{ ref('int_org_months') }} as orgs
inner join months on orgs.month_start = months.month
left join at_unit on orgs.org_code = at_unit.org_code and orgs.month_start = at_unit.month_start
