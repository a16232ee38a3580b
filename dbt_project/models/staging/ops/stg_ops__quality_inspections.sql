-- incremental: a daily run writes only what new loads deliver (see incremental_extract)
{% set extract = {'source': 'quality_inspections', 'raw_keys': ['inspection_id'],
                  'staged_keys': ['inspection_id'],
                  'month': month_of('inspected_at'), 'month_column': 'inspected_month'} %}
{{ config(**incremental_extract_config(extract)) }}

with source as (
    -- one row per inspection: the latest load wins (a correction or late-arriving update)
    {{ incremental_extract(extract) }}
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
        {{ month_of('inspected_at') }} as inspected_month,
        -- lineage
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from source
)

select * from renamed
