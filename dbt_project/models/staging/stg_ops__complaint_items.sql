-- a table: two bridges read it
{{ config(materialized='table') }}

with source as (
    -- one row per complaint and item: the latest load wins (a correction or late-arriving update)
    {{ latest_load(source('ops', 'complaint_items'), ['complaint_id', 'item_seq']) }}
),

renamed as (
    select
        -- ids
        complaint_id,
        item_seq,
        reason_code,
        product_code,
        -- strings
        product_line,
        -- lineage
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from source
)

select * from renamed
