{#
  Service-quality ratings per unit, day, line of business and dimension, in points
  (fct_service_ratings: survey questions and inspection sub-items): the leaf of the weighted
  scores, kept incrementally by month; a changed item list or rating scale recomputes every
  month (see incremental_rollup).
#}
{{ config(**incremental_months_config('rated_month')) }}

with fingerprints as (
    {{ with_rules(ref('int_rating_inputs'), [ref('sq_items'), ref('sq_rating_scale')]) }}
),

months as (
    {{ rollup_months('fingerprints', 'rated_month') }}
)

select
    ratings.org_code,
    ratings.rated_date,
    ratings.rated_month,
    ratings.line_of_business,
    ratings.dimension_code,
    {{ sum_int("ratings.points") }} as points,
    {{ sum_int("ratings.max_points") }} as max_points,
    count(*) as ratings,
    fingerprints.input_fingerprint
from {{ ref('fct_service_ratings') }} ratings
inner join fingerprints on fingerprints.month = ratings.rated_month
where ratings.rated_month in (select month from months)
group by ratings.org_code, ratings.rated_date, ratings.rated_month, ratings.line_of_business, ratings.dimension_code,
         fingerprints.input_fingerprint
