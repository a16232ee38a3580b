-- incremental: a daily run writes only what new loads deliver (see incremental_extract)
{% set extract = {'source': 'policy_callbacks', 'raw_keys': ['callback_id'], 'staged_keys': ['callback_id'],
                  'month': month_of('called_at'), 'month_column': 'called_month'} %}
{{ config(**incremental_extract_config(extract)) }}

with source as (
    -- one row per key, the latest load wins (a correction or late-arriving update)
    {{ incremental_extract(extract) }}
),

renamed as (
    select
        -- ids (the number called stops here)
        callback_id,
        policy_no,
        org_code,
        employee_id,
        -- strings
        result,
        -- timestamps
        called_at,
        {{ month_of('called_at') }} as called_month,
        -- lineage
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from source
)

select * from renamed
