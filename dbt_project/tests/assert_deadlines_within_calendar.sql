{#
  Refuses to publish on-time figures for complaints whose deadline the working-day calendar
  cannot place (a year the calendar seeds do not cover yet). Fix: add that year's holidays
  and make-up workdays to seeds/cn_calendar_days.csv and extend calendar_coverage.csv
  (`kefu calendar`), once the State Council has published them.
#}
{{ config(severity='error') }}
select complaint_id, stage, received_date, deadline_calendar, deadline_days,
       'calendar does not cover the deadline of this complaint' as problem
from {{ ref('int_complaint_deadlines') }}
where deadline_date is null
