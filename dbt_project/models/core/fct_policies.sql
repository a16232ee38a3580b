-- Policies underwritten (承保件数): the denominator of 投诉率, with premium and insured persons.
-- A view: the incremental staging table holds the rows.
{{ config(materialized='view') }}

select
    policy_no,
    org_code,
    product_code,
    product_line,
    sales_channel,
    customer_key,
    underwritten_on,
    underwritten_month,
    premium,
    insured_persons,
    is_long_term,
    load_id,
    source_file,
    source_row
from {{ ref('stg_ops__policies') }}
