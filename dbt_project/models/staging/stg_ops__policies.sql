-- incremental: a daily run writes only what new loads deliver (see incremental_extract)
-- (a table, not a view: the keyed hash is computed once at build time, when the key is set)
{{ config(**incremental_extract_config('underwritten_month', ['policy_no'])) }}

with source as (
    -- one row per key, the latest load wins (a correction or late-arriving update)
    {{ incremental_extract(source('ops', 'policies'), ['policy_no'], ['policy_no'],
                             month_of('underwritten_on'), 'underwritten_month') }}
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
        {{ month_of('underwritten_on') }} as underwritten_month,
        -- lineage
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from source
)

select * from renamed
