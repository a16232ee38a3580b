{#
  Complaint ↔ product (a complaint may concern several): one row per complaint and distinct
  product line and product, from the complaint's items, or its own product line when it has
  no items. Counting through it counts a complaint once per product; totals count it once.
#}
with items as (
    select complaint_id, product_line, product_code
    from {{ ref('stg_ops__complaint_items') }}
    where product_line is not null
),

complaints as (
    select complaint_id, product_line from {{ ref('fct_complaints') }}
)

select distinct items.complaint_id, items.product_line, items.product_code
from items
inner join complaints on complaints.complaint_id = items.complaint_id
union all
select complaints.complaint_id, complaints.product_line, cast(null as {{ dbt.type_string() }})
from complaints
where complaints.product_line is not null
  and not exists (select 1 from items where items.complaint_id = complaints.complaint_id)
