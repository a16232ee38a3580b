{#
  Quality inspections of calls and counter transactions and mystery-shopper visits (000 §4,
  004 服务禁语): one row per inspection with its forbidden-phrase hits and its points over the
  sub-items rated (sq_rating_scale), the unit and the employee's team as they were that day.
  Kept incrementally by month of inspection: rebuilt are the months whose ratings' inputs
  changed (int_rating_inputs: inspections, their items, and survey responses, which only
  make a month rebuild more often), and every month when the rating scale or the staff
  history changes.
#}
{#- int_rating_inputs: inspections, their items and survey responses (the items join made once
    for three models); the inspections alone hold this model's months #}
{%- set kept = kept_by_month(
    'inspected_month',
    inputs=[
        {'model': 'stg_ops__quality_inspections', 'month': 'inspected_month'},
        {'model': 'int_rating_inputs', 'month': 'month', 'kept': true, 'holds_months': false}],
    rules=[ref('sq_rating_scale'),
           '(select employee_id, valid_from, valid_to, team_code from ' ~ ref('dim_employee_history') ~ ')']
) %}
{{ config(**kept.config) }}

with months as (
    {{ months_to_build(kept) }}
),

inspections as (
    select
        inspections.*,
        months.input_fingerprint
    from {{ ref('stg_ops__quality_inspections') }} as inspections
    inner join months on inspections.inspected_month = months.month
),

points as (
    select
        items.inspection_id,
        count(*) as items_rated,
        {{ sum_int("scale.points") }} as points,
        {{ sum_int("scale.max_points") }} as max_points
    from {{ ref('stg_ops__inspection_items') }} as items
    inner join {{ ref('sq_rating_scale') }} as scale on items.rating = scale.rating
    where items.inspection_id in (select inspection_id from inspections)
    group by items.inspection_id
)

select
    inspections.inspection_id,
    inspections.inspection_type,
    inspections.service_event_id,
    inspections.org_code,
    inspections.employee_id,
    staff.team_code,
    inspections.inspector_id,
    inspections.product_line,
    inspections.inspected_at,
    cast(inspections.inspected_at as date) as inspected_date,
    inspections.inspected_month,
    inspections.forbidden_phrase_hits,
    inspections.load_id,
    inspections.source_file,
    inspections.source_row,
    inspections.input_fingerprint,
    inspections.forbidden_phrase_hits = 0 as is_free_of_forbidden_phrases,
    coalesce(points.items_rated, 0) as items_rated,
    coalesce(points.points, 0) as points,
    coalesce(points.max_points, 0) as max_points
from inspections
left join points on inspections.inspection_id = points.inspection_id
left join {{ ref('dim_employee_history') }} as staff
    on inspections.employee_id = staff.employee_id
        and cast(inspections.inspected_at as date) between staff.valid_from and staff.valid_to
