{#
  The raw sources over the lake's Parquet files, re-created at the start of every run:
  on DuckDB one view per extract (a view, not external_location, so that the columns of a
  source can be listed — column-level lineage then reaches the raw extracts); on Spark one
  external Parquet table per extract over the same files. Dropping either never deletes
  the files.
#}
{% macro register_raw_tables() -%}
    {{ return(adapter.dispatch('register_raw_tables', 'kefu')()) }}
{%- endmacro %}

{% macro default__register_raw_tables() -%}
    {% if execute %}
        {% set lake = env_var('KEFU_LAKE_URI', env_var('KEFU_HOME') ~ '/lake') %}
        {% for source in graph.sources.values() if source.source_name == 'ops' %}
            {% do run_query('create schema if not exists ' ~ source.schema) %}
            {% do run_query('create or replace view ' ~ source.schema ~ '.' ~ source.name
                            ~ " as select * from read_parquet('" ~ lake ~ '/raw/' ~ source.name
                            ~ "/*.parquet', union_by_name = true)") %}
        {% endfor %}
    {% endif %}
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
