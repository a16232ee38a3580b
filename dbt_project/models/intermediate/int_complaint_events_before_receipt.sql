{#
  Status events dated before their complaint was received: impossible, so a data error in
  one of the two extracts (they come from different files, so ingestion cannot see it).
  fct_complaints ignores them (a "closure" before receipt does not close the complaint);
  they are listed here with their source rows, and the build warns while any exist.
#}
select
    events.complaint_id,
    events.event_seq,
    events.event_type,
    events.event_at,
    complaints.received_at,
    'event dated before the complaint was received' as reason,
    events.load_id,
    events.source_file,
    events.source_row
from {{ ref('stg_ops__complaint_events') }} as events
inner join {{ ref('stg_ops__complaints') }} as complaints
    on events.complaint_id = complaints.complaint_id
where events.event_at < complaints.received_at
