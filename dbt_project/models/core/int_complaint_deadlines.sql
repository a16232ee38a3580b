{#
  The deadline of each complaint for each stage that has a rule: the Nth working day after
  the day of receipt (the day of receipt is day 0; a complaint received on a day off starts
  counting on the next working day). N comes from complaint_deadlines, the rule version in
  force on the day of receipt. When the calendar does not reach the deadline, deadline_date
  is null and the test assert_complaint_deadlines_within_calendar fails the build.
#}
with complaints as (
    select complaint_id, complaint_class, cast(received_at as date) as received_date
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
    rules.working_days as deadline_working_days,
    complaints.received_date,
    deadline.date_day as deadline_date
from complaints
inner join rules
    on rules.complaint_class = complaints.complaint_class
    and complaints.received_date between rules.effective_from and {{ open_end('rules.effective_to') }}
left join calendar received
    on received.date_day = complaints.received_date
left join calendar deadline
    on deadline.is_workday
    and deadline.workday_seq = received.workday_seq + rules.working_days
