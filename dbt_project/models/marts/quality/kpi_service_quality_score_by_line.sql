{#
  服务质量综合得分 by line of business (000 §5.1: 寿险 and 财险 weighted differently): the
  weighted score of each line's ratings per org unit and month (sources weighted within each
  dimension, see source_weighted), with the line's own weight version when one is in force at
  the start of the month, else the company-wide one (int_sq_weight_versions). Ratings of no
  known line count under 'unknown'. Kept by month (kept_by_month).
#}
{%- set kept = kept_by_month(
    'month_start',
    inputs=[{'model': 'int_rating_days', 'month': 'rated_month', 'kept': true}],
    rules=[ref('int_sq_weight_versions'), ref('sq_weights'), ref('sq_source_weights'), ref('grade_bands'), 'key_values'],
    spine=true
) %}
{{ config(**kept.config) }}
with key_values as (
    select distinct
        dimension_code,
        rating_source,
        coalesce(line_of_business, 'unknown') as line_of_business
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
        ratings,
        coalesce(line_of_business, 'unknown') as line_of_business
    from {{ ref('int_rating_days') }}
    where rated_month in (select month from months)
),

rolled as (
    {{ org_month_rollup('leaf', ['points', 'max_points', 'ratings'],
                        keys=['line_of_business', 'dimension_code', 'rating_source'],
                        months='months', key_values='key_values') }}
),

sourced as (
    {{ source_weighted('rolled', ['org_code', 'org_name', 'org_level', 'period_month', 'month_start',
                                  'line_of_business']) }}
),

dimensions as (
    select
        sourced.*,
        versions.weight_version,
        versions.weights_line,
        weights.weight
    from sourced
    left join {{ ref('int_sq_weight_versions') }} as versions
        on versions.line_of_business = case when sourced.line_of_business = 'unknown' then 'all'
                else sourced.line_of_business
            end
            and sourced.month_start = versions.month_start
    left join {{ ref('sq_weights') }} as weights
        on versions.weight_version = weights.weight_version
            and versions.weights_line = weights.line_of_business
            and sourced.dimension_code = weights.dimension_code
),

scored as (
    {{ sq_score('dimensions', ['org_code', 'org_name', 'org_level', 'period_month', 'month_start',
                               'line_of_business']) }}
)

select
    org_code,
    org_name,
    org_level,
    period_month,
    month_start,
    line_of_business,
    numerator,
    denominator,
    weight_version,
    weights_line,
    weight_total,
    dimensions_weighted,
    dimensions_rated,
    score,
    grade,
    grade_band_version,
    months.input_fingerprint
from scored
inner join months on scored.month_start = months.month
