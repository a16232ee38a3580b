{#
  Every (unit, ancestor-or-self) pair with the days it holds, so a KPI rolls up from the
  unit a record belongs to to its county, city, province and head office as the tree stood
  on the record's day, with one join. A pair holds while every version on the path between
  the two units is valid: the intersection of their validity. The tree has at most five
  levels, so chained self-joins replace a recursive CTE (not portable to every engine).
#}
with versions as (
    select
        org_code,
        parent_org_code,
        org_level,
        valid_from,
        valid_to
    from {{ ref('dim_org_history') }}
),

paths as (
    select
        u0.org_code,
        u0.org_code as a0,
        u0.org_level as l0,
        u0.valid_from as f0,
        u0.valid_to as t0,
        u1.org_code as a1,
        u1.org_level as l1,
        u2.org_code as a2,
        u2.org_level as l2,
        u3.org_code as a3,
        u3.org_level as l3,
        u4.org_code as a4,
        u4.org_level as l4,
        greatest(u0.valid_from, u1.valid_from) as f1,
        least(u0.valid_to, u1.valid_to) as t1,
        greatest(u0.valid_from, u1.valid_from, u2.valid_from) as f2,
        least(u0.valid_to, u1.valid_to, u2.valid_to) as t2,
        greatest(u0.valid_from, u1.valid_from, u2.valid_from, u3.valid_from) as f3,
        least(u0.valid_to, u1.valid_to, u2.valid_to, u3.valid_to) as t3,
        greatest(u0.valid_from, u1.valid_from, u2.valid_from, u3.valid_from, u4.valid_from) as f4,
        least(u0.valid_to, u1.valid_to, u2.valid_to, u3.valid_to, u4.valid_to) as t4
    from versions as u0
    left join
        versions
            as u1
        on u0.parent_org_code = u1.org_code
            and u0.valid_to >= u1.valid_from and u0.valid_from <= u1.valid_to
    left join
        versions
            as u2
        on u1.parent_org_code = u2.org_code
            and u2.valid_from <= least(u0.valid_to, u1.valid_to)
            and u2.valid_to >= greatest(u0.valid_from, u1.valid_from)
    left join
        versions
            as u3
        on u2.parent_org_code = u3.org_code
            and u3.valid_from <= least(u0.valid_to, u1.valid_to, u2.valid_to)
            and u3.valid_to >= greatest(u0.valid_from, u1.valid_from, u2.valid_from)
    left join versions as u4 on u3.parent_org_code = u4.org_code
        and u4.valid_from <= least(u0.valid_to, u1.valid_to, u2.valid_to, u3.valid_to)
        and u4.valid_to >= greatest(u0.valid_from, u1.valid_from, u2.valid_from, u3.valid_from)
),

pairs as (
    select
        org_code,
        a0 as ancestor_org_code,
        l0 as ancestor_level,
        0 as depth,
        f0 as valid_from,
        t0 as valid_to
    from paths
    union all
    select
        org_code,
        a1,
        l1,
        1,
        f1,
        t1
    from paths
    where a1 is not null
    union all
    select
        org_code,
        a2,
        l2,
        2,
        f2,
        t2
    from paths
    where a2 is not null
    union all
    select
        org_code,
        a3,
        l3,
        3,
        f3,
        t3
    from paths
    where a3 is not null
    union all
    select
        org_code,
        a4,
        l4,
        4,
        f4,
        t4
    from paths
    where a4 is not null
)

-- a deeper ancestor's versions split a path; the pair itself is one row per distinct span
select distinct
    org_code,
    ancestor_org_code,
    ancestor_level,
    depth,
    valid_from,
    valid_to
from pairs
