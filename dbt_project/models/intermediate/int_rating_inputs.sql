{#
  The fingerprint of what the ratings are built from, per month (see kept_by_month):
  survey responses, inspections, and inspection items in their inspection's month. A table
  computed once a run for the rating rollups and the inspection fact, which each add the
  fingerprint of the rules and dimensions they apply (the items-to-inspections join was
  made once per reader as a view).
#}
{{ config(materialized='table') }}

{{ month_fingerprints(kept_by_month('month', inputs=[
    {'model': 'stg_ops__survey_responses', 'month': 'surveyed_month'},
    {'model': 'stg_ops__quality_inspections', 'month': 'inspected_month'},
    {'model': 'stg_ops__inspection_items', 'month': 'inspections.inspected_month',
     'join': 'inner join ' ~ ref('stg_ops__quality_inspections') ~ ' as inspections'
             ~ ' on inspections.inspection_id = input_rows.inspection_id'}])) }}
