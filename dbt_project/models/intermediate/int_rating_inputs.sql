{#
  The fingerprint of what the ratings are built from, per month (see incremental_rollup):
  survey responses, inspections, and inspection items in their inspection's month. A table
  computed once a run for the rating rollups and the inspection fact, which each add the
  fingerprint of the rules and dimensions they apply (the items-to-inspections join was
  made once per reader as a view).
#}
{{ config(materialized='table') }}

{{ rollup_fingerprints([
    "select surveyed_month as month, load_id from " ~ ref('stg_ops__survey_responses'),
    "select inspected_month as month, load_id from " ~ ref('stg_ops__quality_inspections'),
    "select inspections.inspected_month as month, items.load_id from " ~ ref('stg_ops__inspection_items')
        ~ " items inner join " ~ ref('stg_ops__quality_inspections') ~ " inspections"
        ~ " on inspections.inspection_id = items.inspection_id"]) }}
