{#
  Complaints as an accumulating snapshot: one row per complaint with the time each stage of
  003 §4 was first reached, the final closure (closed_at, null while open — including a
  complaint reopened for re-investigation and not closed again), whether it is a second
  complaint (二次投诉, a complaint of its own naming the original), its outcome, compensation
  and archiving (complaint_archive_rules), its deadlines and on-time
  flags (the company's per class, fct_complaint_stages; the regulator's 2020 rule with extensions),
  both classifications (003 class as recorded, 001 class through the reason), and the unit
  and employee as they were on the day of receipt. No customer name, ID number or phone:
  the complainant is a keyed hash (customer_key), enough to see repeat complainants.
  Kept incrementally by month of receipt: rebuilt are the months int_complaint_milestones
  rebuilt (its fingerprint: the month's complaints and status events), every month when a
  rule or the org or staff history it reads changes, and the months of complaints whose
  previous complaint changed (a complaint that arrives late between two of its complainant's
  others changes the later one's, in another month).
#}
{#- also_rebuild: the months of complaints whose previous complaint (CTE previous) changed #}
{%- set kept = kept_by_month(
    'received_month',
    inputs=[{'model': 'int_complaint_milestones', 'month': 'received_month', 'kept': true}],
    rules=[
        ref('complaint_deadlines'), ref('regulator_complaint_deadlines'), ref('cn_calendar_days'),
        ref('calendar_coverage'), ref('complaint_reasons'), ref('complaint_class_map'), ref('repeat_complaint_rules'),
        ref('complaint_archive_rules'),
        '(select org_code, valid_from, valid_to, org_name from ' ~ ref('dim_org_history') ~ ')',
        '(select org_code, ancestor_org_code, ancestor_level, valid_from, valid_to from '
            ~ ref('bridge_org_hierarchy') ~ ')',
        '(select employee_id, valid_from, valid_to, org_code, team_code from ' ~ ref('dim_employee_history') ~ ')'],
    also_rebuild='select built.received_month from ' ~ this ~ ' as built'
        ~ ' left join previous on previous.complaint_id = built.complaint_id'
        ~ ' where built.previous_complaint_id is distinct from previous.previous_complaint_id'
        ~ ' or built.previous_received_at is distinct from previous.previous_received_at'
) %}
{{ config(**kept.config) }}

with previous as (
    -- the same complainant's previous complaint (repeat complaints, 001 §7.3), over every month
    select
        complaint_id,
        lag(complaint_id) over (partition by customer_key order by received_at, complaint_id) as previous_complaint_id,
        lag(received_at) over (partition by customer_key order by received_at, complaint_id) as previous_received_at
    from {{ ref('stg_ops__complaints') }}
    where customer_key is not null
),

months as (
    {{ months_to_build(kept) }}
),

complaints as (
    select
        complaints.*,
        months.input_fingerprint
    from {{ ref('stg_ops__complaints') }} as complaints
    inner join months on complaints.received_month = months.month
),

milestones as (
    select * from {{ ref('int_complaint_milestones') }}
    where received_month in (select month from months)
),

stages as (
    select * from {{ ref('fct_complaint_stages') }}
    where stage in ('close', 'contact') and received_month in (select month from months)
),

org_path as (
    -- the unit's place in the tree on the day of receipt
    select
        complaints.complaint_id,
        max(case when hierarchy.ancestor_level = 2 then hierarchy.ancestor_org_code end) as province_org_code,
        max(case when hierarchy.ancestor_level = 3 then hierarchy.ancestor_org_code end) as city_org_code
    from complaints
    inner join {{ ref('bridge_org_hierarchy') }} as hierarchy
        on
            complaints.org_code = hierarchy.org_code
            and cast(complaints.received_at as date) between hierarchy.valid_from and hierarchy.valid_to
    group by complaints.complaint_id
),

joined as (
    select
        complaints.complaint_id,
        complaints.org_code,
        org_version.org_name as org_name_at_receipt,
        org_path.city_org_code as city_org_code_at_receipt,
        org_path.province_org_code as province_org_code_at_receipt,
        complaints.employee_id,
        staff.team_code as team_code_at_receipt,
        staff.org_code as employee_org_code_at_receipt,
        -- 责任部门 (003 §4.2); none delivered: the departments seed's member for it, counted and never judged
        coalesce(complaints.responsible_department, 'unassigned') as responsible_department,
        complaints.policy_no,
        complaints.customer_key,
        complaints.channel_code,
        complaints.complaint_class,
        coalesce(reasons.class_001, class_map.class_001) as complaint_class_001,
        complaints.reason_code,
        complaints.product_line,
        complaints.received_at,
        cast(complaints.received_at as date) as received_date,
        complaints.received_month,
        milestones.contacted_at,
        milestones.assigned_at,
        milestones.investigating_at,
        milestones.reported_at,
        milestones.plan_approved_at,
        milestones.feedback_at,
        milestones.first_closed_at,
        milestones.closed_at,
        milestones.reopen_count,
        milestones.reopen_count > 0 as is_reopened,
        close_stage.deadline_rule_version,
        close_stage.deadline_calendar,
        close_stage.deadline_days,
        close_stage.deadline_date,
        coalesce(close_stage.deadline_provisional, false) as deadline_provisional,
        contact_stage.deadline_date as contact_deadline_date,
        coalesce(close_stage.is_on_time, false) as is_closed_on_time,
        coalesce(contact_stage.is_on_time, false) as is_contacted_on_time,
        regulator.regulator_rule_version,
        regulator.regulator_tier,
        regulator.regulator_deadline_date,
        coalesce(regulator.regulator_deadline_provisional, false) as regulator_deadline_provisional,
        coalesce(
            regulator.regulator_reached_at is not null
            and cast(regulator.regulator_reached_at as date) <= regulator.regulator_deadline_date,
            false
        ) as is_regulator_on_time,
        -- 投诉处理及时: closed by the company's deadline and, where the regulator's rule governs
        -- the complaint, its decision told by the regulator's deadline (the stricter of the two)
        coalesce(close_stage.is_on_time, false)
        and (
            regulator.regulator_rule_version is null
            or coalesce(cast(regulator.regulator_reached_at as date) <= regulator.regulator_deadline_date, false)
        ) as is_handled_on_time,
        coalesce(regulator.is_extended, false) as is_extended,
        coalesce(regulator.is_extension_approved, false) as is_extension_approved,
        -- 二次投诉: a complaint of its own about another's result (its own month and deadline);
        -- a reopening of the same case is reopen_count
        complaints.original_complaint_id,
        complaints.original_complaint_id is not null as is_second_complaint,
        -- 处理结果 and 归档: the outcome once decided, compensation, and the archiving of a closed
        -- complaint within the days of the archive rule in force on its closure day
        complaints.outcome,
        complaints.compensation,
        complaints.archived_on,
        archive_rule.rule_version as archive_rule_version,
        cast({{ dbt.dateadd('day', 'archive_rule.archive_within_days', 'cast(milestones.closed_at as date)') }} as date)
            as archive_deadline,
        coalesce(
            complaints.archived_on
            <= {{ dbt.dateadd('day', 'archive_rule.archive_within_days', 'cast(milestones.closed_at as date)') }},
            false
        ) as is_archived_in_time,
        previous.previous_complaint_id,
        previous.previous_received_at,
        repeat_rule.rule_version as repeat_rule_version,
        coalesce(
            previous.previous_received_at is not null
            and {{ dbt.datediff('cast(previous.previous_received_at as date)', 'cast(complaints.received_at as date)', 'day') }}  -- noqa: LT05
            <= repeat_rule.window_days,
            false
        ) as is_repeat_complaint,
        complaints.load_id,
        complaints.source_file,
        complaints.source_row,
        complaints.input_fingerprint
    from complaints
    inner join milestones on complaints.complaint_id = milestones.complaint_id
    left join stages as close_stage
        on complaints.complaint_id = close_stage.complaint_id and close_stage.stage = 'close'
    left join stages as contact_stage
        on complaints.complaint_id = contact_stage.complaint_id and contact_stage.stage = 'contact'
    left join {{ ref('int_complaint_regulator_deadlines') }} as regulator
        on complaints.complaint_id = regulator.complaint_id
    left join org_path on complaints.complaint_id = org_path.complaint_id
    left join {{ ref('dim_org_history') }} as org_version
        on
            complaints.org_code = org_version.org_code
            and cast(complaints.received_at as date) between org_version.valid_from and org_version.valid_to
    left join {{ ref('dim_employee_history') }} as staff
        on
            complaints.employee_id = staff.employee_id
            and cast(complaints.received_at as date) between staff.valid_from and staff.valid_to
    left join {{ ref('complaint_reasons') }} as reasons on complaints.reason_code = reasons.reason_code
    left join {{ ref('complaint_class_map') }} as class_map on complaints.complaint_class = class_map.class_003
    left join previous on complaints.complaint_id = previous.complaint_id
    left join {{ ref('complaint_archive_rules') }} as archive_rule
        on
            cast(milestones.closed_at as date)
            between archive_rule.effective_from and {{ open_end('archive_rule.effective_to') }}
    left join {{ ref('repeat_complaint_rules') }} as repeat_rule
        on
            cast(complaints.received_at as date)
            between repeat_rule.effective_from and {{ open_end('repeat_rule.effective_to') }}
)

select
    *,
    closed_at is not null as is_closed,
    -- plain days from the day of receipt to the day of the final closure (null while open)
    {{ dbt.datediff('received_date', 'cast(closed_at as date)', 'day') }} as days_to_close  -- noqa: LT05
from joined
