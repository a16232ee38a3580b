{#
  Complaint ↔ reason (a complaint may give several reasons): one row per complaint and
  distinct reason, from the complaint's items, or its own reason when it has no items (an
  extract without them). Counting complaints through it counts a complaint once per reason;
  totals count complaints once (fct_complaints). Kept incrementally by month of receipt:
  rebuilt are the months whose complaints or items changed, and every month when the
  reasons or the class map change.
#}
{%- set kept = kept_by_month(
    'received_month',
    inputs=[
        {'model': 'stg_ops__complaints', 'month': 'received_month'},
        {'model': 'stg_ops__complaint_items', 'month': 'complaints.received_month',
         'join': 'inner join ' ~ ref('stg_ops__complaints') ~ ' as complaints'
                 ~ ' on complaints.complaint_id = input_rows.complaint_id'}],
    rules=[ref('complaint_reasons'), ref('complaint_class_map')]
) %}
{{ config(**kept.config) }}

with months as (
    {{ months_to_build(kept) }}
),

complaints as (
    select
        complaints.complaint_id,
        complaints.reason_code,
        complaints.complaint_class,
        complaints.received_month,
        months.input_fingerprint
    from {{ ref('fct_complaints') }} as complaints
    inner join months on complaints.received_month = months.month
),

items as (
    select
        complaint_id,
        reason_code,
        min(item_seq) as first_item
    from {{ ref('stg_ops__complaint_items') }}
    where complaint_id in (select complaint_id from complaints)
    group by complaint_id, reason_code
),

reasons as (
    select
        items.complaint_id,
        items.reason_code,
        items.first_item = 1 as is_primary
    from items
    union all
    select
        complaints.complaint_id,
        complaints.reason_code,
        true
    from complaints
    where complaints.reason_code is not null
        and not exists (
            select 1 from items
            where items.complaint_id = complaints.complaint_id
        )
)

select
    reasons.complaint_id,
    reasons.reason_code,
    reasons.is_primary,
    known.reason_zh,
    complaints.received_month,
    complaints.input_fingerprint,
    coalesce(known.class_001, class_map.class_001) as complaint_class_001
from reasons
inner join complaints on reasons.complaint_id = complaints.complaint_id
left join {{ ref('complaint_reasons') }} as known on reasons.reason_code = known.reason_code
left join {{ ref('complaint_class_map') }} as class_map on complaints.complaint_class = class_map.class_003
