{#
  Refuses to publish on-time figures for any record whose working-day deadline the calendar
  cannot place: past even the provisional years (calendar_coverage), so a far-off date is a
  mistake in the data or a calendar years out of date. Each row names the record and the
  landing file and row it came from. Fix: correct the record, or load the year's State
  Council notice (`kefu calendar --notice FILE`) so the provisional horizon moves on.
#}
{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_complaints'}}}) }}
select
    'complaint stage ' || stages.stage as deadline,
    stages.complaint_id as record_id,
    stages.start_date,
    complaints.source_file,
    complaints.source_row,
    'beyond the calendar (official and provisional years)' as problem
from {{ ref('fct_complaint_stages') }} as stages
inner join {{ ref('fct_complaints') }} as complaints on stages.complaint_id = complaints.complaint_id
where stages.started_at is not null and stages.deadline_date is null
union all
select
    'regulator',
    complaint_id,
    received_date,
    source_file,
    source_row,
    'beyond the calendar (official and provisional years)'
from {{ ref('fct_complaints') }}
where regulator_rule_version is not null and regulator_deadline_date is null
union all
select
    'claim decision',
    claim_id,
    documents_complete_date,
    source_file,
    source_row,
    'beyond the calendar (official and provisional years)'
from {{ ref('fct_claims') }}
where is_in_commitment and decision_deadline_date is null
