-- incremental: a daily run writes only what new loads deliver (see incremental_extract).
-- An item has no date of its own: on Spark its partition is the month it was loaded.
{{ config(**incremental_extract_config('loaded_month', ['inspection_id', 'item_code'])) }}

with source as (
    -- one row per inspection and item, the latest load wins (a correction or late-arriving update)
    {{ incremental_extract(source('ops', 'inspection_items'), ['inspection_id', 'item_code'], ['inspection_id', 'item_code'],
                             month_of('_loaded_at'), 'loaded_month') }}
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
