{#
  Every reference an extract makes to a dimension (unit, employee, channel, department) or to another
  record (a second complaint's original), in one place:
  unresolved_references lists the rows whose value the dimension does not hold (yet), and
  dim_org_history adds an inferred member for each unknown unit (Kimball's late-arriving
  dimension), so those rows count at head office until the unit's row arrives.
#}
{% macro dimension_references() -%}
    {%- set refs = [] -%}
    {%- set columns = {'org_code': 'org_unit', 'employee_id': 'employee', 'channel_code': 'channel',
                       'original_complaint_id': 'complaint', 'responsible_department': 'department'} -%}
    {%- for extract, key, referenced in [
            ('complaints', 'complaint_id',
             ['org_code', 'employee_id', 'channel_code', 'original_complaint_id', 'responsible_department']),
            ('claims', 'claim_id', ['org_code', 'employee_id']),
            ('policies', 'policy_no', ['org_code']),
            ('policy_book', 'book_key', ['org_code']),
            ('policy_callbacks', 'callback_id', ['org_code', 'employee_id']),
            ('quality_inspections', 'inspection_id', ['org_code', 'employee_id']),
            ('service_events', 'service_event_id', ['org_code', 'employee_id', 'channel_code']),
            ('survey_responses', 'response_id', ['org_code', 'employee_id']),
            ('employees', 'employee_id', ['org_code'])] -%}
        {%- for column in referenced -%}
            {%- do refs.append({'extract': extract, 'key': key, 'column': column, 'dimension': columns[column]}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(refs) }}
{%- endmacro %}

{# The values a dimension holds, any version. #}
{% macro dimension_members(dimension) -%}
    {%- if dimension == 'org_unit' -%} select distinct org_code as member from {{ ref('stg_ops__org_units') }}
    {%- elif dimension == 'employee' -%} select distinct employee_id as member from {{ ref('stg_ops__employees') }}
    {%- elif dimension == 'channel' -%} select channel_code as member from {{ ref('channels') }}
    {%- elif dimension == 'department' -%} select department_code as member from {{ ref('departments') }}
    {%- elif dimension == 'complaint' -%} select complaint_id as member from {{ ref('stg_ops__complaints') }}
    {%- else -%} {{ exceptions.raise_compiler_error('unknown dimension ' ~ dimension) }}
    {%- endif -%}
{%- endmacro %}
