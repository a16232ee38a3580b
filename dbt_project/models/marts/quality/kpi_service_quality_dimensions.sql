{#
  Service-quality dimension scores per org unit and month (000 §4): points earned ÷ points
  possible over every rating of the dimension's items (survey questions and inspection
  sub-items), the company-wide weight in force at the start of the month (sq_weights seed,
  int_sq_weight_versions for line 'all') and the dimension's contribution to the score.
  Kept by month (kept_by_month).
#}
{%- set kept = kept_by_month(
    'month_start',
    inputs=[{'model': 'int_rating_days', 'month': 'rated_month', 'kept': true}],
    rules=[ref('int_sq_weight_versions'), ref('sq_weights'), 'key_values'],
    spine=true
) %}
{{ config(**kept.config) }}
with key_values as (
    select distinct dimension_code from {{ ref('int_rating_days') }}
),

months as (
    {{ months_to_build(kept) }}
),

leaf as (
    select
        org_code,
        rated_date as activity_date,
        dimension_code,
        points,
        max_points,
        ratings
    from {{ ref('int_rating_days') }}
    where rated_month in (select month from months)
),

rolled as (
    {{ org_month_rollup('leaf', ['points', 'max_points', 'ratings'], keys=['dimension_code'],
                        months='months', key_values='key_values') }}
)

select
    rolled.org_code,
    rolled.org_name,
    rolled.org_level,
    rolled.period_month,
    rolled.month_start,
    rolled.dimension_code,
    rolled.points as numerator,
    rolled.max_points as denominator,
    {{ safe_ratio('rolled.points', 'rolled.max_points') }} as rate,
    rolled.points,
    rolled.max_points,
    rolled.ratings,
    versions.weight_version,
    versions.weights_line,
    cast(weights.weight as double) as weight,
    100 * cast(weights.weight as double) * {{ safe_ratio('rolled.points', 'rolled.max_points') }} as score_contribution,
    months.input_fingerprint
from rolled
inner join months on rolled.month_start = months.month
left join {{ ref('int_sq_weight_versions') }} as versions
    on versions.line_of_business = 'all' and rolled.month_start = versions.month_start
left join {{ ref('sq_weights') }} as weights
    on versions.weight_version = weights.weight_version
        and versions.weights_line = weights.line_of_business
        and rolled.dimension_code = weights.dimension_code
