{#
  A large raw extract staged as an incremental table that stays exact under late-arriving
  corrections (a later load re-delivering a key, possibly in another month).

  Full build: every raw row, the latest load per key.
  Incremental run, W = the newest load already in the table:
  - DuckDB merges by key: the newest version of each key that loads newer than W deliver
    replaces the key's row wherever it was (delete+insert on the key). Only new rows are
    read and written, and a key that moved month leaves no stale row behind.
  - Spark overwrites month partitions (insert_overwrite; its merge needs table-format jars
    that cannot be downloaded here): rebuilt are the months that loads newer than W touch
    and the months where keys those loads re-deliver used to live; within them, the latest
    load per key, minus keys whose newest version lives in a month not rebuilt. A month whose
    every row the new loads move elsewhere gets no row to overwrite it with, so a hook drops
    its partition first (drop_months_moved_away).

  Raw files are per load and the lake is append-only, so `_load_id > W` reads only new
  files (Parquet statistics), and the month filter reads only the files of those months.

  extract: the staged extract, as its config and its select both need it — source (the raw
  extract's name), raw_keys (its key columns), staged_keys (the same columns as this model names
  them), month (the month of a raw row, SQL) and month_column (its name in this model).
#}
{% macro incremental_extract_config(extract) -%}
    {%- set settings = {
        'materialized': 'incremental',
        'unique_key': extract.month_column if target.type == 'spark' else extract.staged_keys,
        'incremental_strategy': 'insert_overwrite' if target.type == 'spark' else 'delete+insert',
        'partition_by': [extract.month_column] if target.type == 'spark' else none,
        'on_schema_change': 'fail'} -%}
    {%- if target.type == 'spark' -%}
        {%- do settings.update({'pre_hook': '{{ drop_months_moved_away(' ~ tojson(extract) ~ ') }}'}) -%}
    {%- endif -%}
    {{ return(settings) }}
{%- endmacro %}

{#
  Spark: the months new loads leave without a row — each key held there has its newest
  version, in those loads, in another month, and none of their rows lands there. Their rows
  are all superseded, and the insert writes the new versions where they now live, so the
  partitions are dropped before it (a run killed in between loses nothing: the next one
  reads the same new loads, from the raw lake).
#}
{% macro drop_months_moved_away(extract) -%}
{%- if is_incremental() -%}
    {%- set emptied -%}
        with newest as (
            select {{ extract.raw_keys | join(', ') }}, {{ extract.month }} as month
            from ({{ latest_load(_new_rows(source('ops', extract.source)), extract.raw_keys) }}) newest_versions
        ),
        held_months as (
            select held.{{ extract.month_column }} as month, count(*) as held_rows,
                   count(case when newest.month <> held.{{ extract.month_column }} then 1 end) as moved_away
            from {{ this }} held
            left join newest on {{ _keys_match('newest', extract.raw_keys, 'held', extract.staged_keys) }}
            group by held.{{ extract.month_column }}
        )
        select month from held_months
        where held_rows = moved_away and month not in (select month from newest)
    {%- endset -%}
    {%- do _drop_month_partitions(extract.month_column, emptied) -%}
{%- endif -%}
{%- endmacro %}

{# Spark's tables here cannot delete rows (no Delta/Iceberg jars): a month goes with its
   partition. months_query: a select of the months to drop. #}
{% macro _drop_month_partitions(month_column, months_query) -%}
    {%- for row in run_query(months_query) -%}
        {%- do run_query('alter table ' ~ this ~ ' drop if exists partition ('
                         ~ month_column ~ " = '" ~ row[0] ~ "')") -%}
    {%- endfor -%}
{%- endmacro %}

{% macro _keys_match(left, left_keys, right, right_keys) -%}
    {%- for l in left_keys -%}
        {{ left }}.{{ l }} = {{ right }}.{{ right_keys[loop.index0] }}{{ ' and ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{# The rows of loads newer than the newest this table holds. #}
{% macro _new_rows(relation) -%}
    (select * from {{ relation }}
     where _load_id > (select coalesce(max(load_id), '') from {{ this }})) new_rows
{%- endmacro %}

{# The staged rows of an extract (see incremental_extract_config). #}
{% macro incremental_extract(extract) -%}
{%- set relation = source('ops', extract.source) -%}
{%- set raw_keys, keys, month_column = extract.raw_keys, extract.staged_keys, extract.month_column -%}
{%- set new_rows = _new_rows(relation) -%}
{%- if is_incremental() and target.type != 'spark' -%}
    {{ latest_load(new_rows, raw_keys) }}
{%- elif is_incremental() -%}
    {%- set rebuilt_months -%}
        (select {{ extract.month }} from {{ new_rows }}
         union
         select held.{{ month_column }} from {{ this }} held
         where exists (select 1 from {{ new_rows }}
                       where {{ _keys_match('new_rows', raw_keys, 'held', keys) }}))
    {%- endset -%}
    select * from (
        select *, row_number() over (
            partition by {{ raw_keys | join(', ') }} order by _load_id desc, _source_row desc) as _version_rank
        from {{ relation }}
        where {{ extract.month }} in {{ rebuilt_months }}
    ) ranked
    where _version_rank = 1
      and not exists (
          select 1 from {{ this }} held
          where {{ _keys_match('ranked', raw_keys, 'held', keys) }}
            and held.{{ month_column }} not in {{ rebuilt_months }})
{%- else -%}
    {{ latest_load(relation, raw_keys) }}
{%- endif -%}
{%- endmacro %}
