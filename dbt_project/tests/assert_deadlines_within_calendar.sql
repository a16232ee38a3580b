{#
  Refuses to publish on-time figures for any record whose working-day deadline the calendar
  cannot place (a year the calendar seeds do not cover yet): complaint stages, the
  regulator's deadline, the claims commitment. Fix: add that year's holidays and make-up
  workdays to seeds/cn_calendar_days.csv and extend calendar_coverage.csv (`kefu calendar`),
  once the State Council has published them.
#}
{{ config(severity='error') }}
select 'complaint stage ' || stage as deadline, complaint_id as record_id, start_date,
       'calendar does not cover this deadline' as problem
from {{ ref('fct_complaint_stages') }}
where started_at is not null and deadline_date is null
union all
select 'regulator', complaint_id, received_date, 'calendar does not cover this deadline'
from {{ ref('fct_complaints') }}
where regulator_rule_version is not null and regulator_deadline_date is null
union all
select 'claim decision', claim_id, documents_complete_date, 'calendar does not cover this deadline'
from {{ ref('fct_claims') }}
where is_in_commitment and decision_deadline_date is null
