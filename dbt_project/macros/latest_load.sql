{#
  Rows of a raw extract, one per key: when a later file re-delivers a key (a correction or
  late-arriving update), the row from the latest load wins, and within a load the last row.
  Load ids sort by load time.
#}
{% macro latest_load(relation, keys) -%}
    select * from (
        select *, row_number() over (
            partition by {{ keys | join(', ') }}
            order by _load_id desc, _source_row desc) as _version_rank
        from {{ relation }}
    ) ranked
    where _version_rank = 1
{%- endmacro %}
