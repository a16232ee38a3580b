{#
  Weighted service-quality score (000 §4) per org unit and month, on 100 points:
  score = 100 × Σ weight(dimension) × points earned ÷ points possible, with the weight
  version in force at the start of the month (sq_weights seed, line of business 'all'),
  and the grade band it falls in (grade_bands seed). The score is null when a weighted
  dimension has no ratings in the month: a missing dimension is not scored as zero, nor
  are the other weights silently stretched. The score is rounded to 6 decimals before it
  is banded, so floating-point noise cannot push an exact 60 down to 59.9999999 (grade C).
#}
with dimensions as (
    select * from {{ ref('kpi_service_quality_dimensions') }}
),

weight_versions as (
    select weight_version, effective_from, effective_to,
           sum(weight) as weight_total, count(*) as dimensions_weighted
    from {{ ref('sq_weights') }}
    where line_of_business = 'all'
    group by weight_version, effective_from, effective_to
),

scored as (
    select
        org_code,
        org_name,
        org_level,
        period_month,
        month_start,
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        sum(case when weight is not null and ratings > 0 then 1 else 0 end) as dimensions_rated,
        sum(score_contribution) as weighted_score
    from dimensions
    group by org_code, org_name, org_level, period_month, month_start
),

versioned as (
    select
        scored.*,
        weight_versions.weight_version,
        cast(weight_versions.weight_total as double) as weight_total,
        weight_versions.dimensions_weighted,
        case when scored.dimensions_rated = weight_versions.dimensions_weighted
             then round(scored.weighted_score, 6) end as score
    from scored
    left join weight_versions
        on scored.month_start between weight_versions.effective_from
                                  and {{ open_end('weight_versions.effective_to') }}
),

bands as (
    select * from {{ ref('grade_bands') }}
)

select
    versioned.org_code,
    versioned.org_name,
    versioned.org_level,
    versioned.period_month,
    versioned.month_start,
    versioned.numerator,
    versioned.denominator,
    versioned.weight_version,
    versioned.weight_total,
    versioned.dimensions_weighted,
    versioned.dimensions_rated,
    versioned.score,
    bands.grade
from versioned
left join bands
    on versioned.score >= bands.min_score
    and (bands.below_score is null or versioned.score < bands.below_score)
