{#
  规则版本 The versions of every rule the KPIs apply (the versioned seeds: deadlines, the
  regulator's tiers, commitments, standards, answers, weights, grade bands, assessment,
  department targets and merit rules, repeat-complaint, reference and settlement rules), one row per rule and version with its
  validity and source, and which version is the latest. A KPI row names the versions that
  produced it (*_rule_versions, weight_version, rule_version …); this is where a reader looks
  them up. The list of rule seeds is the one tests/test_seeds.py holds to versioning.
#}
{%- set rules = [
    ('complaint_deadlines', 'rule_version'),
    ('regulator_complaint_deadlines', 'rule_version'),
    ('service_commitments', 'rule_version'),
    ('new_policy_callback_scope', none),
    ('counter_standards', 'standard_version'),
    ('hotline_standards', 'standard_version'),
    ('complaint_archive_rules', 'rule_version'),
    ('satisfaction_answers', 'rule_version'),
    ('sq_weights', 'weight_version'),
    ('sq_source_weights', 'weight_version'),
    ('grade_bands', 'band_version'),
    ('assessment_rules', 'rule_version'),
    ('department_targets', 'target_version'),
    ('merit_rules', 'rule_version'),
    ('repeat_complaint_rules', 'rule_version'),
    ('reference_thresholds', 'rule_version'),
    ('settlement_rules', 'rule_version'),
] -%}
with rule_rows as (
    {%- for seed, version in rules %}
        select
            '{{ seed }}' as rule_table,
            cast({{ version or 'effective_from' }} as {{ dbt.type_string() }}) as rule_version,
            cast(effective_from as date) as effective_from,
            cast(effective_to as date) as effective_to,
            cast(source as {{ dbt.type_string() }}) as source
        from {{ ref(seed) }}
        {{ 'union all' if not loop.last }}
    {%- endfor %}
),

versions as (
    select
        rule_table,
        rule_version,
        min(effective_from) as effective_from,
        -- open-ended while any of its rows is
        case when count(*) > count(effective_to) then null else max(effective_to) end as effective_to,
        min(source) as source,
        count(*) as rule_rows
    from rule_rows
    group by rule_table, rule_version
)

select
    rule_table,
    rule_version,
    effective_from,
    effective_to,
    source,
    rule_rows,
    effective_from = max(effective_from) over (partition by rule_table) as is_latest
from versions
