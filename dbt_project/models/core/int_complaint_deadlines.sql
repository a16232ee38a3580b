{#
  The deadline of each complaint for each stage that has a rule, counted in the complaint's
  calendar (deadline_calendar; the rule rows name the calendar they count in):
  - cn_workdays: the Nth working day after the day of receipt (the day of receipt is day 0;
    a complaint received on a day off starts counting on the next working day). When the
    working-day calendar does not reach the deadline, deadline_date is null and the test
    assert_complaint_deadlines_within_calendar fails the build: refused, not guessed.
  - calendar_days: the day of receipt plus N days (a regulator that counts plain days).
  N comes from complaint_deadlines, the rule version in force on the day of receipt.
#}
with complaints as (
    select complaint_id, complaint_class, deadline_calendar, cast(received_at as date) as received_date
    from {{ ref('stg_ops__complaints') }}
),

rules as (
    select * from {{ ref('complaint_deadlines') }}
),

calendar as (
    select date_day, is_workday, workday_seq from {{ ref('dim_date') }}
)

select
    complaints.complaint_id,
    rules.stage,
    rules.rule_version as deadline_rule_version,
    rules.calendar as deadline_calendar,
    rules.days as deadline_days,
    complaints.received_date,
    case
        when rules.calendar = 'calendar_days'
            then cast({{ dbt.dateadd('day', 'rules.days', 'complaints.received_date') }} as date)
        else deadline.date_day
    end as deadline_date
from complaints
inner join rules
    on rules.complaint_class = complaints.complaint_class
    and rules.calendar = complaints.deadline_calendar
    and complaints.received_date between rules.effective_from and {{ open_end('rules.effective_to') }}
left join calendar received
    on rules.calendar = 'cn_workdays'
    and received.date_day = complaints.received_date
left join calendar deadline
    on deadline.is_workday
    and deadline.workday_seq = received.workday_seq + rules.days
