{#
  Service-quality ratings per unit, day, line of business, dimension and source (the survey or
  an inspection type, weighted within the dimension by sq_source_weights), in points
  (fct_service_ratings: survey questions and inspection sub-items): the leaf of the weighted
  scores, kept incrementally by month; a changed item list or rating scale recomputes every
  month (see kept_by_month).
#}
{%- set kept = kept_by_month(
    'rated_month',
    inputs=[{'model': 'int_rating_inputs', 'month': 'month', 'kept': true}],
    rules=[ref('sq_items'), ref('sq_rating_scale')]
) %}
{{ config(**kept.config) }}

with months as (
    {{ months_to_build(kept) }}
),

rolled as (
    select
        org_code,
        rated_date,
        rated_month,
        line_of_business,
        dimension_code,
        rating_source,
        {{ sum_int("points") }} as points,
        {{ sum_int("max_points") }} as max_points,
        count(*) as ratings
    from {{ ref('fct_service_ratings') }}
    where rated_month in (select month from months)
    group by org_code, rated_date, rated_month, line_of_business, dimension_code, rating_source
)

select
    rolled.*,
    months.input_fingerprint
from rolled
inner join months on rolled.rated_month = months.month
