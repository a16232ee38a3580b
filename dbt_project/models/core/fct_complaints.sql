{#
  Complaints as an accumulating snapshot: one row per complaint with the time each stage
  was first reached (003 §4). closed_at is the last closure, and null while the complaint
  is open — including a complaint reopened (二次投诉 / re-investigation) and not yet closed
  again. A complaint is handled on time when it is closed and its last closure falls on or
  before its deadline day.
#}
with complaints as (
    select * from {{ ref('stg_ops__complaints') }}
),

events as (
    -- an event dated before receipt is a data error (int_complaint_events_before_receipt)
    select events.*
    from {{ ref('stg_ops__complaint_events') }} events
    inner join complaints
        on complaints.complaint_id = events.complaint_id
        and events.event_at >= complaints.received_at
),

milestones as (
    select
        complaint_id,
        min(case when event_type = 'contacted' then event_at end) as contacted_at,
        min(case when event_type = 'assigned' then event_at end) as assigned_at,
        min(case when event_type = 'investigating' then event_at end) as investigation_opened_at,
        min(case when event_type = 'reported' then event_at end) as report_at,
        min(case when event_type = 'plan_approved' then event_at end) as plan_approved_at,
        min(case when event_type = 'feedback' then event_at end) as feedback_at,
        min(case when event_type = 'closed' then event_at end) as first_closed_at,
        sum(case when event_type = 'reopened' then 1 else 0 end) as reopen_count,
        max(event_seq) as last_event_seq
    from events
    group by complaint_id
),

last_events as (
    select events.complaint_id, events.event_type, events.event_at
    from events
    inner join milestones
        on milestones.complaint_id = events.complaint_id
        and milestones.last_event_seq = events.event_seq
),

close_deadlines as (
    select * from {{ ref('int_complaint_deadlines') }} where stage = 'close'
),

contact_deadlines as (
    select * from {{ ref('int_complaint_deadlines') }} where stage = 'contact'
),

joined as (
    select
        complaints.complaint_id,
        complaints.org_code,
        complaints.employee_id,
        complaints.policy_no,
        complaints.customer_key,
        complaints.channel_code,
        complaints.complaint_class,
        complaints.reason_code,
        complaints.product_line,
        complaints.received_at,
        cast(complaints.received_at as date) as received_date,
        {{ month_of('complaints.received_at') }} as received_month,
        milestones.contacted_at,
        milestones.assigned_at,
        milestones.investigation_opened_at,
        milestones.report_at,
        milestones.plan_approved_at,
        milestones.feedback_at,
        milestones.first_closed_at,
        case when last_events.event_type = 'closed' then last_events.event_at end as closed_at,
        coalesce(milestones.reopen_count, 0) as reopen_count,
        coalesce(milestones.reopen_count, 0) > 0 as is_reopened,
        close_deadlines.deadline_rule_version,
        close_deadlines.deadline_calendar,
        close_deadlines.deadline_days,
        close_deadlines.deadline_date,
        contact_deadlines.deadline_date as contact_deadline_date,
        complaints.load_id,
        complaints.source_file,
        complaints.source_row
    from complaints
    left join milestones on milestones.complaint_id = complaints.complaint_id
    left join last_events on last_events.complaint_id = complaints.complaint_id
    left join close_deadlines on close_deadlines.complaint_id = complaints.complaint_id
    left join contact_deadlines on contact_deadlines.complaint_id = complaints.complaint_id
)

select
    *,
    closed_at is not null as is_closed,
    -- plain days from the day of receipt to the day of the final closure (null while open)
    {{ dbt.datediff('received_date', 'cast(closed_at as date)', 'day') }} as days_to_close,
    coalesce(closed_at is not null and cast(closed_at as date) <= deadline_date, false) as is_closed_on_time,
    coalesce(contacted_at is not null and cast(contacted_at as date) <= contact_deadline_date, false)
        as is_contacted_on_time
from joined
