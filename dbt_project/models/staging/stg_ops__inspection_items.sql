-- a table: the inspection facts and the ratings read it
{{ config(materialized='table') }}

with source as (
    -- one row per inspection and sub-item: the latest load wins (a correction or late-arriving update)
    {{ latest_load(source('ops', 'inspection_items'), ['inspection_id', 'item_code']) }}
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
        _source_file as source_file,
        _source_row as source_row
    from source
)

select * from renamed
