{#
  What the ratings are built from, per month and load: survey responses and inspection
  items with their inspections (the inputs of the rating rollups' fingerprints). A view.
#}
{{ config(materialized='view') }}

select surveyed_month as month, load_id from {{ ref('stg_ops__survey_responses') }}
union all
select {{ month_of('inspections.inspected_at') }} as month, items.load_id
from {{ ref('stg_ops__inspection_items') }} items
inner join {{ ref('stg_ops__quality_inspections') }} inspections on inspections.inspection_id = items.inspection_id
union all
select {{ month_of('inspected_at') }} as month, load_id from {{ ref('stg_ops__quality_inspections') }}
