{#
  Weighted service-quality score (000 §4) on 100 points over a relation of dimension rows:
  group_by columns, dimension_code, points, max_points, ratings, weight_version,
  weights_line, weight. score = 100 × Σ weight × points ÷ max_points, with the grade band it
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
            count(case when weight is not null and ratings > 0 then 1 end) as dimensions_rated,
            case when count(case when weight is not null and ratings > 0 then 1 end) = max(dimensions_weighted)
                 then round(sum(100 * cast(weight as double) * {{ safe_ratio('points', 'max_points') }}), 6) end as score
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
