-- a table: the inspection facts and the ratings read it
{{ config(materialized='table') }}

with source as (
    -- one row per inspection: the latest load wins (a correction or late-arriving update)
    {{ latest_load(source('ops', 'quality_inspections'), ['inspection_id']) }}
),

renamed as (
    select
        -- ids
        inspection_id,
        service_event_id,
        org_code,
        employee_id,
        inspector_id,
        -- strings
        inspection_type,
        product_line,
        -- numerics
        forbidden_phrase_hits,
        -- timestamps
        inspected_at,
        -- lineage
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from source
)

select * from renamed
