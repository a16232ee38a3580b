-- incremental: a daily run writes only what new loads deliver (see incremental_extract)
-- (a table, not a view: the keyed hash is computed once at build time, when the key is set;
-- a changed key rebuilds it whole, see dagster_defs/dbt.py)
{% set extract = {'source': 'complaints', 'raw_keys': ['complaint_id'], 'staged_keys': ['complaint_id'],
                  'month': month_of('received_at'), 'month_column': 'received_month'} %}
{{ config(**incremental_extract_config(extract)) }}

with source as (
    -- one row per key, the latest load wins (a correction or late-arriving update)
    {{ incremental_extract(extract) }}
),

renamed as (
    select
        -- ids (the complainant only as a keyed hash: names, ID numbers, phones stop here)
        complaint_id,
        org_code,
        employee_id,
        responsible_department,
        policy_no,
        original_complaint_id,
        {{ pii_hash('customer_id_no') }} as customer_key,
        -- strings
        channel as channel_code,
        complaint_class,
        reason_code,
        product_line,
        summary,
        coalesce(deadline_calendar, 'cn_workdays') as deadline_calendar,
        outcome,
        coalesce(compensation, 0) as compensation,
        archived_on,
        -- timestamps
        received_at,
        {{ month_of('received_at') }} as received_month,
        -- lineage
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from source
)

select * from renamed
