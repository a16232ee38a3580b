{#
  Fails the run (nothing is published) when, in one load, the share of rows naming an unknown
  unit, employee or channel passes the threshold in force (seeds/reference_thresholds.csv):
  a wrong extract rather than a few late members. Returns the offending rows, with the share.
#}
{{ config(meta={'dagster': {'ref': {'name': 'unresolved_references'}}}) }}
with unresolved_loads as (
    select
        extract,
        load_id,
        count(distinct record_key) as unresolved_rows
    from {{ ref('unresolved_references') }}
    group by extract, load_id
),

load_rows as (
    -- the rows of those loads that staging holds (a later load's correction replaces a row)
    {%- for extract in dimension_references() | map(attribute='extract') | unique %}
        select
            '{{ extract }}' as extract,
            load_id,
            count(*) as load_rows
        from {{ ref('stg_ops__' ~ extract) }}
        where load_id in (
                select load_id from unresolved_loads
                where extract = '{{ extract }}'
            )
        group by load_id
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

thresholds as (
    select
        applies_to,
        max_unresolved_share
    from {{ ref('reference_thresholds') }}
    where effective_from <= current_date and (effective_to is null or effective_to >= current_date)
),

over_threshold as (
    select
        unresolved_loads.extract,
        unresolved_loads.load_id,
        unresolved_loads.unresolved_rows,
        load_rows.load_rows,
        coalesce(own.max_unresolved_share, fallback.max_unresolved_share) as threshold
    from unresolved_loads
    inner join
        load_rows
        on unresolved_loads.extract = load_rows.extract and unresolved_loads.load_id = load_rows.load_id
    left join thresholds as own on unresolved_loads.extract = own.applies_to
    left join thresholds as fallback on fallback.applies_to = '*'
    where unresolved_loads.unresolved_rows
        > coalesce(own.max_unresolved_share, fallback.max_unresolved_share) * load_rows.load_rows
)

select
    refs.extract,
    refs.reference_column,
    refs.reference_value,
    refs.record_key,
    refs.source_file,
    refs.source_row,
    over_threshold.unresolved_rows,
    over_threshold.load_rows,
    over_threshold.threshold,
    'load the missing units or staff first (a department: add it to seeds/departments.csv), correct the extract, or raise reference_thresholds' as to_do  -- noqa: LT05
from {{ ref('unresolved_references') }} as refs
inner join over_threshold on refs.extract = over_threshold.extract and refs.load_id = over_threshold.load_id
order by refs.source_file, refs.source_row
