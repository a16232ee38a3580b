{#
  Complaint ↔ product (a complaint may concern several): one row per complaint and distinct
  product line and product, from the complaint's items, or its own product line when it has
  no items. Counting through it counts a complaint once per product; totals count it once.
  Kept incrementally by month of receipt, like bridge_complaint_reason.
#}
{{ config(**incremental_months_config('received_month', [['stg_ops__complaints', 'received_month']])) }}

with {{ complaint_item_months([]) }},

complaints as (
    select
        complaints.complaint_id,
        complaints.product_line,
        complaints.received_month,
        fingerprints.input_fingerprint
    from {{ ref('fct_complaints') }} as complaints
    inner join fingerprints on complaints.received_month = fingerprints.month
    where complaints.received_month in (select month from months)
),

items as (
    select
        complaint_id,
        product_line,
        product_code
    from {{ ref('stg_ops__complaint_items') }}
    where product_line is not null and complaint_id in (select complaint_id from complaints)
)

select distinct
    items.complaint_id,
    items.product_line,
    items.product_code,
    complaints.received_month,
    complaints.input_fingerprint
from items
inner join complaints on items.complaint_id = complaints.complaint_id
union all
select
    complaints.complaint_id,
    complaints.product_line,
    cast(null as {{ dbt.type_string() }}),
    complaints.received_month,
    complaints.input_fingerprint
from complaints
where complaints.product_line is not null
    and not exists (
        select 1 from items
        where items.complaint_id = complaints.complaint_id
    )
