{#
  The Nth Chinese working day after each covered day, for every N a working-day rule uses
  (complaint stages, the regulator's tiers, service commitments). The start day is day 0; a
  start on a day off counts from the next working day. When the calendar does not reach the
  Nth working day, deadline_date is null: the deadline is refused, not guessed (the tests
  assert_deadlines_within_calendar fails the build). is_provisional: the count ran through a
  day of a provisional year (the deadline may move when that year's notice is loaded).
#}
with calendar as (
    select
        date_day,
        is_workday,
        workday_seq,
        is_provisional
    from {{ ref('dim_date') }}
),

days_used as (
    select days from {{ ref('complaint_deadlines') }}
    where calendar = 'cn_workdays'
    union
    select days from {{ ref('regulator_complaint_deadlines') }}
    where calendar = 'cn_workdays'
    union
    select days from {{ ref('service_commitments') }}
    where calendar = 'cn_workdays'
)

select
    start.date_day as start_date,
    n.days,
    deadline.date_day as deadline_date,
    -- provisional years follow the official ones: the count crosses one iff its end lies in one
    start.is_provisional or coalesce(deadline.is_provisional, false) as is_provisional
from calendar as start
cross join days_used as n
left join calendar as deadline
    on deadline.is_workday
        and deadline.workday_seq = start.workday_seq + n.days
