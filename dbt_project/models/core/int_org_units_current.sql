-- Each org unit as it is now: the version without an end date, else the latest one.
select * from (
    select *, row_number() over (
        partition by org_code order by {{ open_end('effective_to') }} desc, effective_from desc) as _rank
    from {{ ref('stg_ops__org_units') }}
) versions
where _rank = 1
