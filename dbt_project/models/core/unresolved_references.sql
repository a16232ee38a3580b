{#
  Rows whose reference to a unit, an employee, a channel or an original complaint (a second
  complaint's) names a member the dimension (or the complaints) does
  not hold (yet): extract, the record's key, the column and its value, the landing file and
  row, the load, and the load that first brought the value. Late-arriving and mistyped
  references are normal in operational data: the rows load; an unknown unit becomes an
  inferred member of the org tree (dim_org_history) and counts at head office; the run warns
  (warn_unresolved_references) and fails only past the share reference_thresholds allows
  (assert_unresolved_references_within_threshold). When the member arrives, the row drops
  out of this list and the facts re-attach on the next run (their months rebuild).
#}
with unresolved as (
    {%- for r in dimension_references() %}
        select
            '{{ r.extract }}' as extract,
            '{{ r.dimension }}' as dimension,
            '{{ r.column }}' as reference_column,
            cast(records.{{ r.column }} as {{ dbt.type_string() }}) as reference_value,
            cast(records.{{ r.key }} as {{ dbt.type_string() }}) as record_key,
            records.source_file,
            records.source_row,
            records.load_id
        from {{ ref('stg_ops__' ~ r.extract) }} as records
        left join ({{ dimension_members(r.dimension) }}) as members  -- noqa: ST05
            on records.{{ r.column }} = members.member
        where records.{{ r.column }} is not null and members.member is null
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    unresolved.*,
    min(unresolved.load_id) over (partition by unresolved.dimension, unresolved.reference_value) as first_seen_load_id
from unresolved
