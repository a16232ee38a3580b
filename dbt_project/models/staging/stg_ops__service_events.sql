-- incremental: a daily run writes only what new loads deliver (see incremental_extract)
{{ config(**incremental_extract_config('occurred_month', ['service_event_id'])) }}

with source as (
    -- one row per key, the latest load wins (a correction or late-arriving update)
    {{ incremental_extract(source('ops', 'service_events'), ['event_id'], ['service_event_id'],
                             month_of('occurred_at'), 'occurred_month') }}
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
        {{ month_of('occurred_at') }} as occurred_month,
        -- lineage
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from source
)

select * from renamed
