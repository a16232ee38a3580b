{#
  Org units with their history (type 2): one row per unit and version, valid from valid_from
  to valid_to (both inclusive; 9999-12-31 while current). A unit that is renamed, changes
  type or moves to another parent gets a new version in the extract (org_units.effective_from),
  so a record is placed in the tree as it stood on the record's day.
#}
select
    org_code,
    valid_from,
    valid_to,
    org_name,
    org_type,
    org_level,
    parent_org_code,
    province,
    valid_to = max(valid_to) over (partition by org_code) as is_latest_version,
    load_id,
    source_file,
    source_row
from {{ ref('stg_ops__org_units') }}
