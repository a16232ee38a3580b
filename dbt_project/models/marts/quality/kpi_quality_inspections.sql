{#
  质检与神秘客 Quality inspections per org unit, month and type (call, counter, mystery
  shopper): the share of inspections without a forbidden phrase (服务禁语, 004) = inspections
  with none ÷ inspections; the phrases heard; and the inspection score (points earned ÷
  points possible over the sub-items rated, 000 §4.1).
#}
with leaf as (
    select
        org_code,
        inspected_date as activity_date,
        inspection_type,
        count(*) as inspections,
        count(case when is_free_of_forbidden_phrases then 1 end) as free_of_forbidden_phrases,
        {{ sum_int("forbidden_phrase_hits") }} as forbidden_phrase_hits,
        {{ sum_int("points") }} as points,
        {{ sum_int("max_points") }} as max_points
    from {{ ref('fct_quality_inspections') }}
    group by org_code, inspected_date, inspection_type
),

rolled as (
    {{ org_month_rollup('leaf', ['inspections', 'free_of_forbidden_phrases', 'forbidden_phrase_hits', 'points',
                                 'max_points'], keys=['inspection_type']) }}
)

select
    org_code,
    org_name,
    org_level,
    period_month,
    month_start,
    inspection_type,
    free_of_forbidden_phrases as numerator,
    inspections as denominator,
    {{ safe_ratio('free_of_forbidden_phrases', 'inspections') }} as rate,
    forbidden_phrase_hits,
    points,
    max_points,
    {{ safe_ratio('points', 'max_points') }} as score_rate
from rolled
