{#
  Service-quality dimension averages per org unit and month (000 §4): average points of the
  ratings given, the weight of the dimension in force at the start of the month
  (sq_weights seed, line of business 'all') and its contribution to the 100-point score.
#}
with leaf as (
    select org_code, surveyed_month as month_start, dimension_code,
           sum(points) as points, sum(max_points) as max_points, count(*) as ratings
    from {{ ref('fct_survey_ratings') }}
    group by org_code, surveyed_month, dimension_code
),

rolled as (
    {{ org_month_rollup('leaf', ['points', 'max_points', 'ratings'], keys=['dimension_code']) }}
),

weights as (
    select * from {{ ref('sq_weights') }} where line_of_business = 'all'
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
    rolled.ratings,
    weights.weight_version,
    cast(weights.weight as double) as weight,
    100 * cast(weights.weight as double) * {{ safe_ratio('rolled.points', 'rolled.max_points') }}
        as score_contribution
from rolled
left join weights
    on weights.dimension_code = rolled.dimension_code
    and rolled.month_start between weights.effective_from and {{ open_end('weights.effective_to') }}
