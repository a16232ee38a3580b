-- a table, not a view: the keyed hash is computed once at build time, when the key is set
{{ config(materialized='table') }}

with source as (
    -- one row per key: the latest load wins (a correction or late-arriving update)
    {{ latest_load(source('ops', 'policies'), ['policy_no']) }}
),

renamed as (
    select
        -- ids (the policyholder only as a keyed hash: names, ID numbers, phones stop here)
        policy_no,
        org_code,
        product_code,
        {{ pii_hash('customer_id_no') }} as customer_key,
        -- strings
        product_line,
        sales_channel,
        -- numerics
        premium,
        insured_persons,
        -- booleans
        is_long_term,
        -- dates
        underwritten_on,
        -- lineage
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from source
)

select * from renamed
