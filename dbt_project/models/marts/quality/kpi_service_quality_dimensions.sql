{#
  Service-quality dimension scores per org unit and month (000 §4): each source's points
  earned ÷ points possible (the survey's questions, each inspection type's sub-items) weighted
  by the source's weight in the dimension (sq_source_weights, see source_weighted), beside the
  pooled share of all the points; the company-wide weight in force at the start of the month
  (sq_weights seed, int_sq_weight_versions for line 'all') and the dimension's contribution
  to the score. Kept by month (kept_by_month).
#}
{%- set kept = kept_by_month(
    'month_start',
    inputs=[{'model': 'int_rating_days', 'month': 'rated_month', 'kept': true}],
    rules=[ref('int_sq_weight_versions'), ref('sq_weights'), ref('sq_source_weights'), 'key_values'],
    spine=true
) %}
{{ config(**kept.config) }}
with key_values as (
    select distinct
        dimension_code,
        rating_source
    from {{ ref('int_rating_days') }}
),

months as (
    {{ months_to_build(kept) }}
),

leaf as (
    select
        org_code,
        rated_date as activity_date,
        dimension_code,
        rating_source,
        points,
        max_points,
        ratings
    from {{ ref('int_rating_days') }}
    where rated_month in (select month from months)
),

rolled as (
    {{ org_month_rollup('leaf', ['points', 'max_points', 'ratings'], keys=['dimension_code', 'rating_source'],
                        months='months', key_values='key_values') }}
),

dimensions as (
    {{ source_weighted('rolled', ['org_code', 'org_name', 'org_level', 'period_month', 'month_start']) }}
)

select
    dimensions.org_code,
    dimensions.org_name,
    dimensions.org_level,
    dimensions.period_month,
    dimensions.month_start,
    dimensions.dimension_code,
    dimensions.points as numerator,
    dimensions.max_points as denominator,
    {{ safe_ratio('dimensions.points', 'dimensions.max_points') }} as rate,
    dimensions.weighted_rate,
    dimensions.source_weight_version,
    dimensions.source_weight_rated,
    dimensions.points,
    dimensions.max_points,
    dimensions.ratings,
    versions.weight_version,
    versions.weights_line,
    cast(weights.weight as double) as weight,
    100 * cast(weights.weight as double) * dimensions.weighted_rate as score_contribution,
    months.input_fingerprint
from dimensions
inner join months on dimensions.month_start = months.month
left join {{ ref('int_sq_weight_versions') }} as versions
    on versions.line_of_business = 'all' and dimensions.month_start = versions.month_start
left join {{ ref('sq_weights') }} as weights
    on versions.weight_version = weights.weight_version
        and versions.weights_line = weights.line_of_business
        and dimensions.dimension_code = weights.dimension_code
