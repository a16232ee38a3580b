{#
  A dimension's rate from its sources (000 §4.3: the survey, call and counter inspections, the
  mystery shopper), each by its weight in the dimension (sq_source_weights, the version in force
  at the start of the month) rather than by its count of ratings, over a relation of rows per
  group_by columns, dimension_code and rating_source with points, max_points and ratings:
  weighted_rate = Σ w × points ÷ max_points ÷ Σ w over the sources rated. A source not rated
  drops out (source_weight_rated says how much weight was rated); a source without a weight
  counts nothing (a seed test keeps every source weighted).
#}
{% macro source_weighted(sources, group_by, month='month_start') -%}
    {%- set rated = 'by_source.ratings > 0 and weights.weight is not null' %}
    select
        {% for column in group_by %}by_source.{{ column }},{% endfor %}
        by_source.dimension_code,
        {{ sum_int('by_source.points') }} as points,
        {{ sum_int('by_source.max_points') }} as max_points,
        {{ sum_int('by_source.ratings') }} as ratings,
        max(weights.weight_version) as source_weight_version,
        sum(case when {{ rated }} then cast(weights.weight as double) end) as source_weight_rated,
        {{ safe_ratio(
            'sum(case when ' ~ rated ~ ' then cast(weights.weight as double) * by_source.points'
                ~ ' / by_source.max_points end)',
            'sum(case when ' ~ rated ~ ' then cast(weights.weight as double) end)') }} as weighted_rate
    from {{ sources }} as by_source
    left join {{ ref('sq_source_weights') }} as weights
        on by_source.dimension_code = weights.dimension_code
            and by_source.rating_source = weights.rating_source
            and by_source.{{ month }} between weights.effective_from and {{ open_end('weights.effective_to') }}
    group by {% for column in group_by %}by_source.{{ column }}, {% endfor %}by_source.dimension_code
{%- endmacro %}

{#
  Weighted service-quality score (000 §4) on 100 points over a relation of dimension rows:
  group_by columns, dimension_code, points, max_points, ratings, weighted_rate (source_weighted),
  weight_version, weights_line, weight. score = 100 × Σ weight × weighted_rate, with the grade band it
  falls in (grade_bands seed, the version in force at the start of the month). The score is null when a weighted dimension has no ratings:
  a missing dimension is not scored as zero, nor are the other weights silently stretched.
  It is rounded to 6 decimals before banding, so float noise cannot push an exact 60 to
  59.9999999 (grade C).
#}
{% macro sq_score(dimensions, group_by, month='month_start') -%}
    select
        {% for column in group_by %}scored.{{ column }},{% endfor %}
        scored.numerator,
        scored.denominator,
        scored.weight_version,
        scored.weights_line,
        cast(versions.weight_total as double) as weight_total,
        versions.dimensions_weighted,
        scored.dimensions_rated,
        scored.score,
        bands.grade,
        bands.band_version as grade_band_version
    from (
        select
            {% for column in group_by %}{{ column }},{% endfor %}
            weight_version,
            weights_line,
            {{ sum_int("points") }} as numerator,
            {{ sum_int("max_points") }} as denominator,
            count(case when weight is not null and weighted_rate is not null then 1 end) as dimensions_rated,
            case when count(case when weight is not null and weighted_rate is not null then 1 end)
                      = max(dimensions_weighted)
                 then round(sum(100 * cast(weight as double) * weighted_rate), 6) end as score
        from (
            select d.*, versions.dimensions_weighted
            from {{ dimensions }} d
            left join (
                select weight_version, line_of_business, count(*) as dimensions_weighted
                from {{ ref('sq_weights') }} group by weight_version, line_of_business
            ) versions on versions.weight_version = d.weight_version and versions.line_of_business = d.weights_line
        ) weighted
        group by {% for column in group_by %}{{ column }}, {% endfor %}weight_version, weights_line
    ) scored
    left join (
        select weight_version, line_of_business, sum(weight) as weight_total, count(*) as dimensions_weighted
        from {{ ref('sq_weights') }} group by weight_version, line_of_business
    ) versions on versions.weight_version = scored.weight_version and versions.line_of_business = scored.weights_line
    left join {{ ref('grade_bands') }} bands
        on scored.{{ month }} between bands.effective_from and {{ open_end('bands.effective_to') }}
        and scored.score >= bands.min_score
        and (bands.below_score is null or scored.score < bands.below_score)
{%- endmacro %}
