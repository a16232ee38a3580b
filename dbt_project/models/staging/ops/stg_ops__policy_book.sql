with source as (
    -- one row per unit, month-end and line: the latest load wins (a restated month)
    {{ latest_load(source('ops', 'policy_book'), ['org_code', 'as_of', 'product_line']) }}
),

renamed as (
    select
        -- ids
        org_code || '/' || cast(as_of as {{ dbt.type_string() }}) || '/' || product_line as book_key,
        org_code,
        -- strings
        product_line,
        -- numerics
        policies_in_force,
        insured_in_force,
        premium_income,
        -- dates
        as_of,
        {{ month_of('as_of') }} as book_month,
        -- lineage
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from source
)

select * from renamed
