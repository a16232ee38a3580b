with source as (
    -- one row per key: the latest load wins (a correction or late-arriving update)
    {{ latest_load(source('ops', 'employees'), ['employee_id']) }}
),

renamed as (
    select
        -- ids
        employee_id,
        org_code,
        team_code,
        -- strings (staff names are not customer data)
        employee_name,
        position,
        -- dates
        hire_date,
        leave_date,
        -- lineage
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from source
)

select * from renamed
