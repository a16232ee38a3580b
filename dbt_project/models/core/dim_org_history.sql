{#
  Org units with their history (type 2): one row per unit and version, valid from valid_from
  to valid_to (both inclusive; 9999-12-31 while current). A unit that is renamed, changes
  type or moves to another parent gets a new version in the extract (org_units.effective_from),
  so a record is placed in the tree as it stood on the record's day.
  A unit that records name but the extract lacks (late-arriving, or mistyped) is an inferred
  member (Kimball): directly under head office, valid on every day, named 未知机构 with its
  code, is_inferred true. Its records count at head office and in its own row; when the
  unit's own row arrives the inferred member goes and the records re-attach where it belongs.
#}
with versions as (
    select
        org_code,
        valid_from,
        valid_to,
        org_name,
        org_type,
        org_level,
        parent_org_code,
        province,
        false as is_inferred,
        load_id,
        source_file,
        source_row
    from {{ ref('stg_ops__org_units') }}
),

inferred as (
    select distinct
        unresolved.reference_value as org_code,
        cast('1900-01-01' as date) as valid_from,
        cast('9999-12-31' as date) as valid_to,
        {{ dbt.concat(["'未知机构 '", 'unresolved.reference_value']) }} as org_name,
        'inferred' as org_type,
        (select max(org_level) from versions) as org_level,
        (
            select min(org_code) from versions
            where parent_org_code is null
        ) as parent_org_code,
        cast(null as {{ dbt.type_string() }}) as province,
        true as is_inferred,
        cast(null as {{ dbt.type_string() }}) as load_id,
        cast(null as {{ dbt.type_string() }}) as source_file,
        cast(null as bigint) as source_row
    from {{ ref('unresolved_references') }} as unresolved
    where unresolved.dimension = 'org_unit'
)

select
    *,
    valid_to = max(valid_to) over (partition by org_code) as is_latest_version
from (
    select * from versions
    union all
    select * from inferred
) as units
