{#- dbt writes a unit test's given and expected rows as one `select … union all select …` per
    row (global_project/macros/unit_test_sql/get_fixture_sql.sql). Spark's analyser renews every
    one-row select of such a union (DeduplicateRelations), a cost that grows faster than the
    rows: a third of the Spark unit tests' time. On Spark the same rows, cast as dbt casts
    them, are one inline table (VALUES); on other engines dbt's own macros run. -#}
{% macro get_fixture_sql(rows, column_name_to_data_types) %}
    {%- if target.type != 'spark' or (rows | length) == 0 -%}
        {{ return(dbt.get_fixture_sql(rows, column_name_to_data_types)) }}
    {%- endif -%}
    {%- if not column_name_to_data_types -%}
        {%- set column_name_to_data_types = {} -%}
        {%- for column in adapter.get_columns_in_relation(this) -%}
            {%- do column_name_to_data_types.update({column.name | lower: column.data_type}) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set nulls = {} -%}
    {%- for column, data_type in column_name_to_data_types.items() -%}
        {%- do nulls.update({column: safe_cast('null', data_type) | trim}) -%}
    {%- endfor -%}
-- Fixture for {{ model.name }}
{{ kefu_inline_table(rows, column_name_to_data_types, nulls) }}
{%- endmacro %}


{% macro get_expected_sql(rows, column_name_to_data_types, column_name_to_quoted) %}
    {%- if target.type != 'spark' or (rows | length) == 0 -%}
        {{ return(dbt.get_expected_sql(rows, column_name_to_data_types, column_name_to_quoted)) }}
    {%- endif -%}
    {{ kefu_inline_table(rows, column_name_to_data_types, {}) }}
{%- endmacro %}


{#- The rows as `select * from values (…), (…) as t(columns)`: the columns are those of the
    first row (a unit test lists the same columns in every expected row) or, when defaults are
    given, every column, a missing cell taking its default. -#}
{% macro kefu_inline_table(rows, column_name_to_data_types, defaults) %}
    {%- set columns = (defaults.keys() if defaults else format_row(rows[0], column_name_to_data_types).keys()) | list -%}
    {%- set values = [] -%}
    {%- for row in rows -%}
        {%- set formatted = format_row(row, column_name_to_data_types) -%}
        {%- set cells = [] -%}
        {%- for column in columns -%}
            {%- do cells.append(formatted[column] if column in formatted else defaults[column]) -%}
        {%- endfor -%}
        {%- do values.append('(' ~ cells | join(', ') ~ ')') -%}
    {%- endfor -%}
    {%- set names = [] -%}
    {%- for column in columns -%}
        {%- do names.append(adapter.quote(column)) -%}
    {%- endfor -%}
select * from values
    {{ values | join(',\n    ') }}
    as fixture({{ names | join(', ') }})
{%- endmacro %}
