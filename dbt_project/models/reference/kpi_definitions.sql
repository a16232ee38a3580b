{#
  指标定义 The KPI catalogue for BI readers: one row per KPI mart, read at compile time from the
  mart's meta.kpi in its .yml (the one place a KPI is defined; docs/adding-a-kpi.md). Where a
  rule sets the KPI's target, meta.kpi.target names the rule seed and column (the quarterly
  assessment's assessment_rules, the hotline's hotline_standards), given here as the version in
  force last holds it.
#}
-- depends_on: {{ ref('assessment_rules') }}
-- depends_on: {{ ref('hotline_standards') }}
{%- set version_columns = {'assessment_rules': 'rule_version', 'hotline_standards': 'standard_version'} -%}
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
with definitions as (
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
                {%- set seed, column = target.split('.') %}
                {%- set latest = 'from ' ~ ref(seed) ~ ' where effective_from = (select max(effective_from) from '
                                 ~ ref(seed) ~ ')' %}
                (select cast({{ column }} as double) {{ latest }}) as target,
                (select {{ version_columns[seed] }} {{ latest }}) as target_rule_version,
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
