{#
  When each complaint first reached each stage of 003 §4 (from its status events), and its
  final closure: closed_at is the last 'closed' not followed by a 'reopened' (a
  re-investigation of the same case; a second complaint, 二次投诉, is a complaint of its own),
  null while open. Events dated before receipt are a data error
  (int_complaint_events_before_receipt) and are ignored.
  Kept incrementally by month of receipt: a daily run rebuilds the months whose complaints or
  status events changed (fingerprints as in kept_by_month), so a new event of an old
  complaint rebuilds that complaint's month.
#}
{%- set kept = kept_by_month(
    'received_month',
    inputs=[
        {'model': 'stg_ops__complaints', 'month': month_of('input_rows.received_at')},
        {'model': 'stg_ops__complaint_events', 'month': month_of('complaints.received_at'),
         'join': 'inner join ' ~ ref('stg_ops__complaints') ~ ' as complaints'
                 ~ ' on complaints.complaint_id = input_rows.complaint_id'}]
) %}
{{ config(**kept.config) }}

with months as (
    {{ months_to_build(kept) }}
),

complaints as (
    select
        complaints.complaint_id,
        complaints.received_at,
        months.month as received_month,
        months.input_fingerprint
    from {{ ref('stg_ops__complaints') }} as complaints
    inner join months on {{ month_of('complaints.received_at') }} = months.month
),

events as (
    select events.*
    from {{ ref('stg_ops__complaint_events') }} as events
    inner join complaints
        on events.complaint_id = complaints.complaint_id
            and events.event_at >= complaints.received_at
),

firsts as (
    select
        complaint_id,
        {% for milestone in ['contacted', 'assigned', 'investigating', 'reported', 'plan_approved', 'feedback',
                             'extended', 'extension_approved'] -%}
            min(case when event_type = '{{ milestone }}' then event_at end) as {{ milestone }}_at,
        {% endfor -%}
        min(case when event_type = 'closed' then event_at end) as first_closed_at,
        max(case when event_type = 'closed' then event_seq end) as last_closed_seq,
        max(case when event_type = 'reopened' then event_seq end) as last_reopened_seq,
        count(case when event_type = 'reopened' then 1 end) as reopen_count
    from events
    group by complaint_id
),

last_closure as (
    select
        events.complaint_id,
        events.event_at as closed_at
    from events
    inner join firsts
        on events.complaint_id = firsts.complaint_id
            and events.event_seq = firsts.last_closed_seq
    where firsts.last_reopened_seq is null or firsts.last_reopened_seq < firsts.last_closed_seq
)

select
    complaints.complaint_id,
    complaints.received_at,
    firsts.contacted_at,
    firsts.assigned_at,
    firsts.investigating_at,
    firsts.reported_at,
    firsts.plan_approved_at,
    firsts.feedback_at,
    firsts.first_closed_at,
    last_closure.closed_at,
    firsts.extended_at,
    firsts.extension_approved_at,
    complaints.received_month,
    complaints.input_fingerprint,
    coalesce(firsts.reopen_count, 0) as reopen_count
from complaints
left join firsts on complaints.complaint_id = firsts.complaint_id
left join last_closure on complaints.complaint_id = last_closure.complaint_id
