{#
  Service-quality ratings per employee and per team (the team the employee belonged to on
  the day of each rating), dimension and source (weighted by sq_source_weights), per month,
  in points: the leaf of the staff scores, kept incrementally by month; a changed item list, rating scale or staff history
  recomputes every month (see kept_by_month).
#}
{%- set kept = kept_by_month(
    'rated_month',
    inputs=[{'model': 'int_rating_inputs', 'month': 'month', 'kept': true}],
    rules=[ref('sq_items'), ref('sq_rating_scale'),
           '(select employee_id, valid_from, valid_to, team_code from ' ~ ref('dim_employee_history') ~ ')']
) %}
{{ config(**kept.config) }}

with months as (
    {{ months_to_build(kept) }}
),

ratings as (
    select
        employee_id,
        team_code,
        rated_month,
        dimension_code,
        rating_source,
        points,
        max_points
    from {{ ref('fct_service_ratings') }}
    where rated_month in (select month from months) and employee_id is not null
),

rolled as (
    select
        'employee' as subject_type,
        employee_id as subject_code,
        rated_month,
        dimension_code,
        rating_source,
        {{ sum_int("points") }} as points,
        {{ sum_int("max_points") }} as max_points,
        count(*) as ratings
    from ratings
    group by employee_id, rated_month, dimension_code, rating_source
    union all
    select
        'team',
        team_code,
        rated_month,
        dimension_code,
        rating_source,
        {{ sum_int("points") }},
        {{ sum_int("max_points") }},
        count(*)
    from ratings
    where team_code is not null
    group by team_code, rated_month, dimension_code, rating_source
)

select
    rolled.*,
    months.input_fingerprint
from rolled
inner join months on rolled.rated_month = months.month
