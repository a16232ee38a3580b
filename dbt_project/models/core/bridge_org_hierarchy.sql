{#
  Every (unit, ancestor-or-self) pair, so a KPI rolls up from the unit a record belongs to
  to its county, city, province and head office with one join. The tree has at most five
  levels, so chained self-joins replace a recursive CTE (not portable to every engine).
#}
with units as (
    select org_code, parent_org_code, org_level from {{ ref('int_org_units_current') }}
),

paths as (
    select
        u0.org_code,
        u0.org_code as a0, u0.org_level as l0,
        u1.org_code as a1, u1.org_level as l1,
        u2.org_code as a2, u2.org_level as l2,
        u3.org_code as a3, u3.org_level as l3,
        u4.org_code as a4, u4.org_level as l4
    from units u0
    left join units u1 on u1.org_code = u0.parent_org_code
    left join units u2 on u2.org_code = u1.parent_org_code
    left join units u3 on u3.org_code = u2.parent_org_code
    left join units u4 on u4.org_code = u3.parent_org_code
),

pairs as (
    select org_code, a0 as ancestor_org_code, l0 as ancestor_level, 0 as depth from paths
    union all
    select org_code, a1, l1, 1 from paths where a1 is not null
    union all
    select org_code, a2, l2, 2 from paths where a2 is not null
    union all
    select org_code, a3, l3, 3 from paths where a3 is not null
    union all
    select org_code, a4, l4, 4 from paths where a4 is not null
)

select * from pairs
