-- incremental: a daily run writes only what new loads deliver (see incremental_extract)
-- (a table, not a view: the keyed hash is computed once at build time, when the key is set)
{% set extract = {'source': 'policies', 'raw_keys': ['policy_no'], 'staged_keys': ['policy_no'],
                  'month': month_of('underwritten_on'), 'month_column': 'underwritten_month'} %}
{{ config(**incremental_extract_config(extract)) }}

with source as (
    -- one row per key, the latest load wins (a correction or late-arriving update)
    {{ incremental_extract(extract) }}
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
