-- incremental: a daily run writes only what new loads deliver (see incremental_extract)
{{ config(**incremental_extract_config('event_month', ['complaint_id', 'event_seq'])) }}

with source as (
    -- one row per key, the latest load wins (a correction or late-arriving update)
    {{ incremental_extract(source('ops', 'complaint_events'), ['complaint_id', 'event_seq'], ['complaint_id', 'event_seq'],
                             month_of('event_at'), 'event_month') }}
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
