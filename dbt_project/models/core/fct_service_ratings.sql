{#
  Every rating of a service-quality item (000 §4), from both sources the standard names:
  survey questions (one per dimension, the survey_responses columns) and quality-inspection
  sub-items (inspection_items: calls, counters, mystery shoppers). One row per rated item,
  with its dimension (sq_items seed), points on the scale (sq_rating_scale), line of
  business (for the weights of that line), and the unit, employee and team as they were on
  the day of the rating. A view: the rollups int_rating_days and int_staff_rating_months
  keep what the marts read.
#}
{{ config(materialized='view') }}
with survey as (
    {#- each branch reads the view itself: through one CTE read five times, DuckDB
        materialised every response before a rollup's month filter could apply (1.4 s a run) #}
    {% for dimension in ['attitude', 'timeliness', 'professionalism', 'convenience', 'satisfaction'] %}
        select
            response_id as rated_id,
            'survey' as rating_source,
            'survey_{{ dimension }}' as item_code,
            {{ dimension }}_rating as rating,
            org_code,
            employee_id,
            product_line as line_of_business,
            surveyed_at as rated_at,
            surveyed_month as rated_month,
            load_id,
            source_file,
            source_row
        from {{ ref('fct_survey_responses') }}
        where {{ dimension }}_rating is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

inspection as (
    select
        items.inspection_id as rated_id,
        inspections.inspection_type as rating_source,
        items.item_code,
        items.rating,
        inspections.org_code,
        inspections.employee_id,
        inspections.product_line as line_of_business,
        inspections.inspected_at as rated_at,
        inspections.inspected_month as rated_month,
        items.load_id,
        items.source_file,
        items.source_row
    from {{ ref('stg_ops__inspection_items') }} as items
    inner join
        {{ ref('stg_ops__quality_inspections') }} as inspections
        on items.inspection_id = inspections.inspection_id
),

ratings as (
    select * from survey
    union all
    select * from inspection
)

select
    ratings.rated_id,
    ratings.rating_source,
    ratings.item_code,
    items.dimension_code,
    ratings.rating,
    scale.points,
    scale.max_points,
    ratings.org_code,
    ratings.employee_id,
    staff.team_code,
    ratings.line_of_business,
    ratings.rated_at,
    cast(ratings.rated_at as date) as rated_date,
    ratings.rated_month,
    ratings.load_id,
    ratings.source_file,
    ratings.source_row
from ratings
inner join {{ ref('sq_items') }} as items on ratings.item_code = items.item_code
inner join {{ ref('sq_rating_scale') }} as scale on ratings.rating = scale.rating
left join {{ ref('dim_employee_history') }} as staff
    on ratings.employee_id = staff.employee_id
        and cast(ratings.rated_at as date) between staff.valid_from and staff.valid_to
