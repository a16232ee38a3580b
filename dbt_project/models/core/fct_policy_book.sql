-- The book at each month's end, per unit and line of business: policies in force, the persons
-- they insure, and the month's premium income (the regulator's bases of its complaint forms).
-- A view: the staging view holds the rows.
{{ config(materialized='view') }}

select
    book_key,
    org_code,
    product_line,
    as_of,
    book_month,
    policies_in_force,
    insured_in_force,
    premium_income,
    load_id,
    source_file,
    source_row
from {{ ref('stg_ops__policy_book') }}
