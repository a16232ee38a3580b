with source as (
    -- one row per employee and assignment: the latest load wins (a correction or late-arriving update)
    {{ latest_load(source('ops', 'employees'), ['employee_id', 'effective_from']) }}
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
        -- dates: a register without history has one assignment, from the hire date
        hire_date,
        leave_date,
        coalesce(effective_from, hire_date) as valid_from,
        {{ open_end('effective_to') }} as valid_to,
        -- lineage
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from source
)

select * from renamed
