-- incremental: a daily run writes only what new loads deliver (see incremental_extract)
{% set extract = {'source': 'service_events', 'raw_keys': ['event_id'], 'staged_keys': ['service_event_id'],
                  'month': month_of('occurred_at'), 'month_column': 'occurred_month'} %}
{{ config(**incremental_extract_config(extract)) }}

with source as (
    -- one row per key, the latest load wins (a correction or late-arriving update)
    {{ incremental_extract(extract) }}
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
