{#
  Rows of a raw extract, one per key: when a later file re-delivers a key (a correction or
  late-arriving update), the row from the latest load wins, and within a load the last row.
  Load ids sort by load time.

  Most keys arrive in one load only, so only the keys delivered more than once are ranked;
  the rest pass through an anti-join. Ranking every row instead (one window over all of
  them) cost 2.7× as much over a plain copy on DuckDB (5 M service events: window 13 s,
  this 4.8 s, measured 2026-11-24).
#}
{% macro latest_load(relation, keys) -%}
    {%- set key_list = keys | join(', ') -%}
    {%- set redelivered -%}
        (select {{ key_list }} from {{ relation }} group by {{ key_list }} having count(*) > 1) redelivered
    {%- endset -%}
    select once.*, 1 as _version_rank
    from {{ relation }} once
    where not exists (select 1 from {{ redelivered }} where {{ _keys_match('redelivered', keys, 'once', keys) }})
    union all
    select * from (
        select again.*, row_number() over (
            partition by {{ key_list }}
            order by _load_id desc, _source_row desc) as _version_rank
        from {{ relation }} again
        where exists (select 1 from {{ redelivered }} where {{ _keys_match('redelivered', keys, 'again', keys) }})
    ) ranked
    where _version_rank = 1
{%- endmacro %}
