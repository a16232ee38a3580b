-- 机构树 The org tree for BI readers: one row per unit and version (valid_from … valid_to,
-- both inclusive), with its parent and its path of codes from head office as it stood on the
-- version's first day. Slice a KPI mart by org_level or join on org_code and the month.
with versions as (
    select * from {{ ref('dim_org_history') }}
),

paths as (
    select
        versions.org_code,
        versions.valid_from,
        max(case when hierarchy.ancestor_level = 1 then hierarchy.ancestor_org_code end) as level_1_code,
        max(case when hierarchy.ancestor_level = 2 then hierarchy.ancestor_org_code end) as level_2_code,
        max(case when hierarchy.ancestor_level = 3 then hierarchy.ancestor_org_code end) as level_3_code,
        max(case when hierarchy.ancestor_level = 4 then hierarchy.ancestor_org_code end) as level_4_code,
        max(case when hierarchy.ancestor_level = 5 then hierarchy.ancestor_org_code end) as level_5_code
    from versions
    inner join {{ ref('bridge_org_hierarchy') }} as hierarchy
        on
            versions.org_code = hierarchy.org_code
            and versions.valid_from between hierarchy.valid_from and hierarchy.valid_to
    group by versions.org_code, versions.valid_from
)

select
    versions.org_code,
    versions.valid_from,
    versions.valid_to,
    versions.org_name,
    versions.org_type,
    versions.org_level,
    versions.parent_org_code,
    versions.province,
    paths.level_1_code,
    paths.level_2_code,
    paths.level_3_code,
    paths.level_4_code,
    versions.is_latest_version as is_current,
    versions.is_inferred,
    concat_ws(
        '/', paths.level_1_code, paths.level_2_code, paths.level_3_code, paths.level_4_code, paths.level_5_code
    ) as org_path
from versions
left join paths
    on versions.org_code = paths.org_code and versions.valid_from = paths.valid_from
