-- incremental: a daily run writes only what new loads deliver (see incremental_extract).
-- An item has no date of its own: on Spark its partition is the month it was loaded.
{% set extract = {'source': 'inspection_items', 'raw_keys': ['inspection_id', 'item_code'],
                  'staged_keys': ['inspection_id', 'item_code'],
                  'month': month_of('_loaded_at'), 'month_column': 'loaded_month'} %}
{{ config(**incremental_extract_config(extract)) }}

with source as (
    -- one row per inspection and item, the latest load wins (a correction or late-arriving update)
    {{ incremental_extract(extract) }}
),

renamed as (
    select
        -- ids
        inspection_id,
        item_code,
        -- strings
        rating,
        -- lineage
        _load_id as load_id,
        {{ month_of('_loaded_at') }} as loaded_month,
        _source_file as source_file,
        _source_row as source_row
    from source
)

select * from renamed
