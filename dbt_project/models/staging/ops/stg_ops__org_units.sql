with source as (
    -- one row per key: the latest load wins (a correction or late-arriving update)
    {{ latest_load(source('ops', 'org_units'), ['org_code', 'effective_from']) }}
),

renamed as (
    select
        -- ids
        org_code,
        parent_code as parent_org_code,
        -- strings
        org_name,
        org_type,
        province,
        -- numerics
        org_level,
        -- dates: the version is valid from valid_from to valid_to, both inclusive
        effective_from as valid_from,
        {{ open_end('effective_to') }} as valid_to,
        -- lineage
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from source
)

select * from renamed
