{#
  Counter transactions per unit, day and business type, judged against the standard in force
  (fct_counter_transactions): the leaf of 柜面服务时效, kept incrementally by month; a changed
  standard recomputes every month (see incremental_rollup).
#}
{{ config(**incremental_months_config('occurred_month', [['fct_counter_transactions', 'occurred_month']])) }}

with fingerprints as (
    {{ rollup_fingerprints(["select occurred_month as month, load_id from " ~ ref('stg_ops__service_events')
                            ~ " where channel_code = 'counter'"], [ref('counter_standards')]) }}
),

months as (
    {{ rollup_months('fingerprints', 'occurred_month') }}
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

{{ with_month_fingerprint('occurred_month') }}
