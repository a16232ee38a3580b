{#
  Service-quality ratings per unit, day, line of business and dimension, in points
  (fct_service_ratings: survey questions and inspection sub-items): the leaf of the weighted
  scores, kept incrementally by month; a changed item list or rating scale recomputes every
  month (see incremental_rollup).
#}
{{ config(**incremental_months_config('rated_month', [['int_rating_inputs', 'month']])) }}

with fingerprints as (
    {{ with_rules(ref('int_rating_inputs'), [ref('sq_items'), ref('sq_rating_scale')]) }}
),

months as (
    {{ rollup_months('fingerprints', 'rated_month') }}
),

rolled as (
    select
        org_code,
        rated_date,
        rated_month,
        line_of_business,
        dimension_code,
        {{ sum_int("points") }} as points,
        {{ sum_int("max_points") }} as max_points,
        count(*) as ratings
    from {{ ref('fct_service_ratings') }}
    where rated_month in (select month from months)
    group by org_code, rated_date, rated_month, line_of_business, dimension_code
)

{{ with_month_fingerprint('rated_month') }}
