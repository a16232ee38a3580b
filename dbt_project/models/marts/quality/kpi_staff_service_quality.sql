{#
  服务质量综合得分 per employee and per team (000 §4: 反馈给部门和员工), per month: the weighted
  score of the ratings of the employee's services, and of the team they belonged to on the
  day of each rating (dim_employee_history), with the company-wide weights in force and the
  sources weighted within each dimension (source_weighted). Only employees and teams rated
  in the month have a row; org_code is the unit of the employee's (or team's) assignment at
  the end of the month.
#}
with source_rows as (
    select
        subject_type,
        subject_code,
        rated_month as month_start,
        dimension_code,
        rating_source,
        points,
        max_points,
        ratings
    from {{ ref('int_staff_rating_months') }}
),

dimension_rows as (
    {{ source_weighted('source_rows', ['subject_type', 'subject_code', 'month_start']) }}
),

dimensions as (
    select
        dimension_rows.*,
        versions.weight_version,
        versions.weights_line,
        weights.weight
    from dimension_rows
    left join {{ ref('int_sq_weight_versions') }} as versions
        on versions.line_of_business = 'all' and dimension_rows.month_start = versions.month_start
    left join {{ ref('sq_weights') }} as weights
        on versions.weight_version = weights.weight_version
            and versions.weights_line = weights.line_of_business
            and dimension_rows.dimension_code = weights.dimension_code
),

scored as (
    {{ sq_score('dimensions', ['subject_type', 'subject_code', 'month_start']) }}
),

assignments as (
    -- the unit of each employee and team at the end of each month
    select
        'employee' as subject_type,
        staff.employee_id as subject_code,
        months.month_start,
        max(staff.org_code) as org_code
    from {{ ref('dim_employee_history') }} as staff
    inner join {{ ref('dim_month') }} as months on months.month_end between staff.valid_from and staff.valid_to
    group by staff.employee_id, months.month_start
    union all
    select
        'team',
        staff.team_code,
        months.month_start,
        max(staff.org_code)
    from {{ ref('dim_employee_history') }} as staff
    inner join {{ ref('dim_month') }} as months on months.month_end between staff.valid_from and staff.valid_to
    where staff.team_code is not null
    group by staff.team_code, months.month_start
)

select
    scored.subject_type,
    scored.subject_code,
    assignments.org_code,
    months.period_month,
    scored.month_start,
    scored.numerator,
    scored.denominator,
    scored.weight_version,
    scored.weight_total,
    scored.dimensions_weighted,
    scored.dimensions_rated,
    scored.score,
    scored.grade,
    scored.grade_band_version
from scored
inner join {{ ref('dim_month') }} as months on scored.month_start = months.month_start
left join assignments
    on scored.subject_type = assignments.subject_type
        and scored.subject_code = assignments.subject_code
        and scored.month_start = assignments.month_start
