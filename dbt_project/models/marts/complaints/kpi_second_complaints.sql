{#
  二次投诉率 second-complaint rate (002 §6, 001 §7.3) per org unit (rolled up the hierarchy as
  it stood) and month: second complaints received in the month (a complainant not satisfied
  with a closed complaint's result complains again: a complaint of its own naming the
  original) ÷ complaints closed in the month (their final closure). A reopening of the same
  case keeps its deadline and is no second complaint: reopened_closed counts the month's
  closures that had been reopened, beside it.
#}
with second_complaints as (
    select
        org_code,
        received_date as activity_date,
        count(*) as second_complaints,
        0 as complaints_closed,
        0 as reopened_closed
    from {{ ref('fct_complaints') }}
    where is_second_complaint
    group by org_code, received_date
),

closures as (
    select
        org_code,
        cast(closed_at as date) as activity_date,
        0 as second_complaints,
        count(*) as complaints_closed,
        count(case when is_reopened then 1 end) as reopened_closed
    from {{ ref('fct_complaints') }}
    where closed_at is not null
    group by org_code, cast(closed_at as date)
),

leaf as (
    select * from second_complaints
    union all
    select * from closures
),

rolled as (
    {{ org_month_rollup('leaf', ['second_complaints', 'complaints_closed', 'reopened_closed']) }}
)

select
    org_code,
    org_name,
    org_level,
    period_month,
    month_start,
    second_complaints as numerator,
    complaints_closed as denominator,
    {{ safe_ratio('second_complaints', 'complaints_closed') }} as rate,
    reopened_closed
from rolled
