-- Org units as they are now (each unit's latest version), with their current path up the
-- tree: head office → province → city → county → outlet. History: dim_org_history.
with latest as (
    select * from {{ ref('dim_org_history') }}
    where is_latest_version
),

current_path as (
    -- the ancestors on the unit's latest day
    select
        hierarchy.org_code,
        hierarchy.ancestor_org_code,
        hierarchy.ancestor_level
    from {{ ref('bridge_org_hierarchy') }} as hierarchy
    inner join latest on hierarchy.org_code = latest.org_code
        and latest.valid_to between hierarchy.valid_from and hierarchy.valid_to
)

select
    u.org_code,
    u.org_name,
    u.org_type,
    u.org_level,
    u.parent_org_code,
    u.province,
    u.valid_from,
    u.valid_to,
    u.is_inferred,
    u.load_id,
    u.source_file,
    u.source_row,
    max(case when a.ancestor_level = 2 then a.ancestor_org_code end) as province_org_code,
    max(case when a.ancestor_level = 3 then a.ancestor_org_code end) as city_org_code,
    max(case when a.ancestor_level = 4 then a.ancestor_org_code end) as county_org_code
from latest as u
left join current_path as a on u.org_code = a.org_code
group by
    u.org_code, u.org_name, u.org_type, u.org_level, u.parent_org_code, u.province,
    u.valid_from, u.valid_to, u.is_inferred, u.load_id, u.source_file, u.source_row
