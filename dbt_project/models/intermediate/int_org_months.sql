{#
  The org × month spine of every KPI mart: each unit in each covered month it existed in
  (some version valid on some day of the month), named as it was at the end of the month
  (its last version valid in the month). A unit with nothing to count still has its rows.
#}
select
    org_code,
    org_name,
    org_level,
    month_start,
    period_month,
    month_end
from (
    select
        v.org_code,
        v.org_name,
        v.org_level,
        m.month_start,
        m.period_month,
        m.month_end,
        row_number() over (partition by v.org_code, m.month_start order by v.valid_from desc) as version_rank
    from {{ ref('dim_month') }} as m
    inner join {{ ref('dim_org_history') }} as v
        on m.month_end >= v.valid_from and m.month_start <= v.valid_to
) as versions
where version_rank = 1
