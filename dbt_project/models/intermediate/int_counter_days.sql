{#
  Counter transactions per unit, day and business type, judged against the standard in force
  (fct_counter_transactions): the leaf of 柜面服务时效, kept incrementally by month; a changed
  standard recomputes every month (see kept_by_month).
#}
{%- set kept = kept_by_month(
    'occurred_month',
    inputs=[{'model': 'stg_ops__service_events', 'month': 'occurred_month', 'where': "channel_code = 'counter'"}],
    rules=[ref('counter_standards')]
) %}
{{ config(**kept.config) }}

with months as (
    {{ months_to_build(kept) }}
),

rolled as (
    select
        org_code,
        occurred_date,
        occurred_month,
        business_type,
        standard_version,
        count(*) as transactions,
        count(case when is_completed then 1 end) as completed,
        count(case when is_within_standard then 1 end) as within_standard,
        count(case when outcome = 'abandoned' then 1 end) as abandoned,
        {{ sum_int("case when is_completed then wait_seconds else 0 end") }} as wait_seconds_total,
        {{ sum_int("case when is_completed then handle_seconds else 0 end") }} as handle_seconds_total
    from {{ ref('fct_counter_transactions') }}
    where occurred_month in (select month from months)
    group by org_code, occurred_date, occurred_month, business_type, standard_version
)

-- the fingerprint joined after grouping: grouping by it too (a long text) took 10–30% of the time at scale 100
select
    rolled.*,
    months.input_fingerprint
from rolled
inner join months on rolled.occurred_month = months.month
