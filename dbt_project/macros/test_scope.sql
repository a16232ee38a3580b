{#
  Data tests of the large incremental tables carry `where: __new_loads__`. A scheduled
  daily run sets KEFU_TESTS_AFTER_LOAD (the newest load its last passing build tested; see
  kefu/build_state.py), and those tests then read only the rows of newer loads: the unique
  and not-null checks of 50 M service events cost a full scan every day otherwise. Across
  old and new rows a key stays unique by construction (the staging merge replaces a key's
  row). A full build, a changed project, a new load of the org tree or the staff (old rows'
  units and staff may no longer hold) and KEFU_TEST_SCOPE=all test every row.
  dbt's own hook for runtime filters of tests (its `where` config is rendered at parse time).
  The variable is read only when tests compile (execute): read while parsing, dbt would
  record it and parse again whenever it changes.
#}
{% macro default__get_where_subquery(relation) -%}
    {%- set where = config.get('where') or '' -%}
    {%- if '__new_loads__' in where -%}
        {%- set after = env_var('KEFU_TESTS_AFTER_LOAD', '') if execute else '' -%}
        {%- set where = where | replace('__new_loads__', "load_id > '" ~ after ~ "'" if after else '1 = 1') -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}
