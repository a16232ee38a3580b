with source as (
    -- one row per key: the latest load wins (a correction or late-arriving update)
    {{ latest_load(source('ops', 'complaint_events'), ['complaint_id', 'event_seq']) }}
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
        -- lineage
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from source
)

select * from renamed
