-- Org units as they are now (the version without an end date, else the latest), with
-- their path up the tree: head office → province → city → county → outlet.
with current_units as (
    select * from {{ ref('int_org_units_current') }}
),

ancestors as (
    select * from {{ ref('bridge_org_hierarchy') }}
)

select
    u.org_code,
    u.org_name,
    u.org_type,
    u.org_level,
    u.parent_org_code,
    u.province,
    max(case when a.ancestor_level = 2 then a.ancestor_org_code end) as province_org_code,
    max(case when a.ancestor_level = 3 then a.ancestor_org_code end) as city_org_code,
    max(case when a.ancestor_level = 4 then a.ancestor_org_code end) as county_org_code,
    u.effective_from,
    u.load_id,
    u.source_file,
    u.source_row
from current_units u
left join ancestors a on a.org_code = u.org_code
group by u.org_code, u.org_name, u.org_type, u.org_level, u.parent_org_code, u.province,
         u.effective_from, u.load_id, u.source_file, u.source_row
