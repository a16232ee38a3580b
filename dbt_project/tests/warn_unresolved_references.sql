{#
  Warns while rows name a unit, employee or channel the dimensions do not hold: the rows load
  and count at head office (an unknown unit is an inferred member of the org tree) until the
  member arrives. Names each row: extract, key, value, landing file and row.
#}
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'unresolved_references'}}}) }}
select
    extract,
    reference_column,
    reference_value,
    record_key,
    source_file,
    source_row,
    first_seen_load_id,
    'counted at head office until the member arrives: load it (org_units, employees) or correct the extract' as to_do
from {{ ref('unresolved_references') }}
order by source_file, source_row
