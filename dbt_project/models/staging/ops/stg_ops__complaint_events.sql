-- incremental: a daily run writes only what new loads deliver (see incremental_extract)
{% set extract = {'source': 'complaint_events', 'raw_keys': ['complaint_id', 'event_seq'],
                  'staged_keys': ['complaint_id', 'event_seq'],
                  'month': month_of('event_at'), 'month_column': 'event_month'} %}
{{ config(**incremental_extract_config(extract)) }}

with source as (
    -- one row per key, the latest load wins (a correction or late-arriving update)
    {{ incremental_extract(extract) }}
),

renamed as (
    select
        -- ids
        complaint_id,
        event_seq,
        operator_id,
        -- strings
        event_type,
        -- timestamps
        event_at,
        {{ month_of('event_at') }} as event_month,
        -- lineage
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from source
)

select * from renamed
