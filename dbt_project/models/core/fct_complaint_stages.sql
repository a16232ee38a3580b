{#
  投诉处理各环节时效 Each complaint's stages (003 §4) with their deadlines: one row per complaint
  and stage that has a rule (complaint_deadlines seed, the version in force on the day of
  receipt, in the complaint's calendar). A stage's clock starts at the milestone the rule
  names (starts_at: e.g. investigation counts from assignment) and stops at the one it names
  as reached (reached_at); a stage whose clock has not started has no deadline yet. It
  carries the complaint's unit and day of receipt, which the stage mart rolls up by.
  The 'close' stage is judged on the final closure (a reopened complaint on its last one).
  deadline_provisional: the deadline was counted on a provisional calendar year (dim_date).
  Kept incrementally by month of receipt: rebuilt are the months int_complaint_milestones
  rebuilt (its fingerprint changed), and every month when the deadline rules or the calendar
  change.
#}
{%- set kept = kept_by_month(
    'received_month',
    inputs=[{'model': 'int_complaint_milestones', 'month': 'received_month', 'kept': true}],
    rules=[ref('complaint_deadlines'), ref('cn_calendar_days'), ref('calendar_coverage')]
) %}
{{ config(**kept.config) }}

with months as (
    {{ months_to_build(kept) }}
),

complaints as (
    select
        complaints.complaint_id,
        complaints.org_code,
        complaints.complaint_class,
        complaints.deadline_calendar,
        cast(complaints.received_at as date) as received_date,
        months.month as received_month,
        months.input_fingerprint
    from {{ ref('stg_ops__complaints') }} as complaints
    inner join months on {{ month_of('complaints.received_at') }} = months.month
),

rules as (
    select * from {{ ref('complaint_deadlines') }}
),

staged as (
    select
        complaints.complaint_id,
        complaints.org_code,
        complaints.received_date,
        complaints.received_month,
        complaints.input_fingerprint,
        rules.stage,
        rules.rule_version as deadline_rule_version,
        rules.calendar as deadline_calendar,
        rules.days as deadline_days,
        rules.starts_at,
        rules.reached_at as reached_by,
        {{ milestone_at('rules.starts_at') }} as started_at,
        {{ milestone_at('rules.reached_at') }} as reached_at
    from complaints
    inner join rules
        on complaints.complaint_class = rules.complaint_class
            and complaints.deadline_calendar = rules.calendar
            and complaints.received_date between rules.effective_from and {{ open_end('rules.effective_to') }}
    inner join {{ ref('int_complaint_milestones') }} as m on complaints.complaint_id = m.complaint_id
),

dated as (
    select
        staged.*,
        cast(staged.started_at as date) as start_date,
        {{ deadline_date('staged.deadline_calendar', 'cast(staged.started_at as date)', 'staged.deadline_days',
                         'offsets') }} as deadline_date,
        {{ deadline_provisional('staged.deadline_calendar', 'offsets') }} as deadline_provisional
    from staged
    {{ workday_offsets('offsets', 'staged.deadline_calendar', 'cast(staged.started_at as date)',
                       'staged.deadline_days') }}
)

select
    *,
    started_at is not null as is_started,
    reached_at is not null as is_reached,
    coalesce(reached_at is not null and cast(reached_at as date) <= deadline_date, false) as is_on_time
from dated
