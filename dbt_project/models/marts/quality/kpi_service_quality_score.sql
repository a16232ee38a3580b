{#
  服务质量综合得分 Weighted service-quality score (000 §4) per org unit and month, on 100
  points: 100 × Σ weight(dimension) × points earned ÷ points possible, with the company-wide
  weight version in force at the start of the month, and its grade band (see sq_score).
  Per line of business: kpi_service_quality_score_by_line; per employee and team:
  kpi_staff_service_quality.
#}
with dimensions as (
    select * from {{ ref('kpi_service_quality_dimensions') }}
),

scored as (
    {{ sq_score('dimensions', ['org_code', 'org_name', 'org_level', 'period_month', 'month_start']) }}
)

select
    org_code,
    org_name,
    org_level,
    period_month,
    month_start,
    numerator,
    denominator,
    weight_version,
    weight_total,
    dimensions_weighted,
    dimensions_rated,
    score,
    grade,
    grade_band_version
from scored
