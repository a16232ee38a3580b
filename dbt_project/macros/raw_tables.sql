{#
  On Spark, sources are tables: one external Parquet table per raw extract over the same
  lake files DuckDB reads (dbt-duckdb reads them directly through external_location).
  Re-created at the start of every run, so new load files are seen; dropping an external
  table never deletes its files.
#}
{% macro register_raw_tables() -%}
    {{ return(adapter.dispatch('register_raw_tables', 'kefu')()) }}
{%- endmacro %}

{% macro default__register_raw_tables() -%}
    select 1
{%- endmacro %}

{% macro spark__register_raw_tables() -%}
    {% if execute %}
        {% set lake = env_var('KEFU_LAKE_URI', env_var('KEFU_HOME') ~ '/lake') %}
        {% for source in graph.sources.values() if source.source_name == 'ops' %}
            {% do run_query('create database if not exists ' ~ source.schema) %}
            {% do run_query('drop table if exists ' ~ source.schema ~ '.' ~ source.name) %}
            {% do run_query('create table ' ~ source.schema ~ '.' ~ source.name ~ ' using parquet location '
                            ~ "'" ~ lake ~ '/raw/' ~ source.name ~ "'") %}
        {% endfor %}
    {% endif %}
    select 1
{%- endmacro %}
