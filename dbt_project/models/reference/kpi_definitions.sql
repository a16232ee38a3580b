{#
  指标定义 The KPI catalogue for BI readers: one row per KPI mart, read at compile time from the
  mart's meta.kpi in its .yml (the one place a KPI is defined; docs/adding-a-kpi.md). Where the
  quarterly assessment judges the KPI, meta.kpi.target names the assessment_rules column of its
  target, given here as the rule version in force last holds it.
#}
{%- set fields = ['name_zh', 'name_en', 'formula', 'numerator', 'denominator', 'unit', 'direction', 'grain',
                  'source', 'owner'] -%}
{%- set kpis = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values() | sort(attribute='name') -%}
        {%- if node.resource_type == 'model' and node.fqn[1] == 'marts' -%}
            {%- do kpis.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}
with latest_rules as (
    select * from {{ ref('assessment_rules') }}
    where effective_from = (select max(effective_from) from {{ ref('assessment_rules') }})
),

definitions as (
    {%- for node in kpis %}
        {%- set kpi = node.config.meta.kpi %}
        {%- set target = kpi.get('target', '') %}
        select
            '{{ node.name }}' as kpi_mart,
            '{{ node.fqn[2] }}' as area,
            {%- for field in fields %}
                {%- set text = dbt.escape_single_quotes(kpi.get(field, '') | string) %}
                nullif('{{ text }}', '') as {{ field }},
            {%- endfor %}
            {%- if target %}
                (select cast({{ target.split('.')[1] }} as double) from latest_rules) as target,
                (select rule_version from latest_rules) as target_rule_version,
                '{{ target }}' as target_rule
            {%- else %}
                cast(null as double) as target,
                cast(null as {{ dbt.type_string() }}) as target_rule_version,
                cast(null as {{ dbt.type_string() }}) as target_rule
            {%- endif %}
        {{ 'union all' if not loop.last }}
    {%- endfor %}
)

select
    kpi_mart,
    area,
    name_zh,
    name_en,
    formula,
    numerator,
    denominator,
    unit,
    direction,
    target,
    target_rule,
    target_rule_version,
    grain,
    source as clause,
    owner
from definitions
