{#
  Complaint ↔ product (a complaint may concern several): one row per complaint and distinct
  product line and product, from the complaint's items, or its own product line when it has
  no items. Counting through it counts a complaint once per product; totals count it once.
  Kept incrementally by month of receipt, like bridge_complaint_reason.
#}
{%- set kept = kept_by_month(
    'received_month',
    inputs=[
        {'model': 'stg_ops__complaints', 'month': 'received_month'},
        {'model': 'stg_ops__complaint_items', 'month': 'complaints.received_month',
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
        complaints.product_line,
        complaints.received_month,
        months.input_fingerprint
    from {{ ref('fct_complaints') }} as complaints
    inner join months on complaints.received_month = months.month
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
