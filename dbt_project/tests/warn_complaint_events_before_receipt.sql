{# Warns (does not stop the build) while status events dated before receipt exist; each is
   listed with its source file and row in int_complaint_events_before_receipt. #}
{{ config(severity='warn') }}
select * from {{ ref('int_complaint_events_before_receipt') }}
