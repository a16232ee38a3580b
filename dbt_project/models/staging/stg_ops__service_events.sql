with source as (
    -- one row per key: the latest load wins (a correction or late-arriving update)
    {{ latest_load(source('ops', 'service_events'), ['event_id']) }}
),

renamed as (
    select
        -- ids
        event_id as service_event_id,
        org_code,
        employee_id,
        policy_no,
        -- strings
        channel as channel_code,
        business_type,
        outcome,
        -- numerics
        wait_seconds,
        handle_seconds,
        -- timestamps
        occurred_at,
        -- lineage
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from source
)

select * from renamed
