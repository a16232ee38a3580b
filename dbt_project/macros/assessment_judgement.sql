{#
  The quarterly assessment's judgement (003 §6.1), shared by the units' and the departments'
  assessments so that both judge alike: the CTEs evidence → judged_figures → compared →
  verdicts → judged → outcome, after the calling model's CTEs
  - with_parent: one row per subject and quarter (keys) with quarter_end, months_covered,
    complaints, policies, handled_on_time, complaints_received, respondents_satisfied,
    respondents_reached, the rates (complaint_rate, timeliness_rate, satisfaction_rate) and
    the same counts of the subject's parent as parent_<count> (null when it has none);
  - top_class: per subject and quarter its most frequent complaint class (complaint_class,
    class_complaints, all_complaints), for the training 003 §6.3 calls for.
  The thresholds are the assessment_rules version in force at quarter end; own_rate_target:
  with_parent carries the subject's own complaint_rate_target, rate_margin_up and
  rate_margin_down (a department's), which replace the rules' (a unit's). See
  kpi_assessment_quarterly for the rules in words.
#}
{% macro assessment_judgement(keys, own_rate_target=false) -%}
evidence as (
    -- per KPI, whose figures judge it: the subject's own (basis unit) when they reach the rule's minimum base, the
    -- parent's under pool_with_parent when theirs do, else none (insufficient evidence)
    select
        {% for kpi, base, minimum in [
            ('complaint_rate', 'policies', 'min_policies'),
            ('timeliness', 'complaints_received', 'min_complaints'),
            ('satisfaction', 'respondents_reached', 'min_respondents')] -%}
            case
                when with_parent.{{ base }} >= rules.{{ minimum }} then 'unit'
                when
                    rules.small_sample_rule = 'pool_with_parent'
                    and with_parent.parent_{{ base }} >= rules.{{ minimum }}
                    then 'parent'
                else 'insufficient'
            end as {{ kpi }}_basis,
        {% endfor -%}
        rules.rule_version,
        {% if not own_rate_target -%}
            rules.complaint_rate_target,
            rules.rate_margin_up,
            rules.rate_margin_down,
        {% endif -%}
        rules.timeliness_up_min,
        rules.timeliness_down_below,
        rules.satisfaction_up_min,
        rules.satisfaction_down_below,
        rules.down_when,
        rules.bonus_up_pct,
        rules.bonus_down_pct,
        rules.training_min_complaints,
        rules.training_class_share,
        rules.small_sample_rule,
        cast(rules.interval_z as double) as z,
        with_parent.*
    from with_parent
    inner join {{ ref('assessment_rules') }} as rules
        on with_parent.quarter_end between rules.effective_from and {{ open_end('rules.effective_to') }}
),

judged_figures as (
    -- the figures that judge each KPI, and the interval of the unit's own rate: a Poisson
    -- score interval for the complaint rate (complaints per policy, which can pass 1), the
    -- Wilson interval for the two proportions
    select
        {% for kpi, successes, trials, rate in [
            ('complaint_rate', 'complaints', 'policies', 'complaint_rate'),
            ('timeliness', 'handled_on_time', 'complaints_received', 'timeliness_rate'),
            ('satisfaction', 'respondents_satisfied', 'respondents_reached', 'satisfaction_rate')] -%}
            case evidence.{{ kpi }}_basis
                when 'unit' then evidence.{{ successes }}
                when 'parent' then evidence.parent_{{ successes }}
            end as {{ kpi }}_successes,
            case evidence.{{ kpi }}_basis
                when 'unit' then evidence.{{ trials }}
                when 'parent' then evidence.parent_{{ trials }}
            end as {{ kpi }}_trials,
            {% for side in ['low', 'high'] -%}
                {% if kpi == 'complaint_rate' -%}
                    {{ poisson_score_bound('evidence.' ~ successes, 'evidence.' ~ trials, 'evidence.z', side) }}
                {%- else -%}
                    {{ wilson_bound('evidence.' ~ rate, 'evidence.' ~ trials, 'evidence.z', side) }}
                {%- endif %} as {{ kpi }}_{{ side }},
            {% endfor -%}
        {% endfor -%}
        evidence.*
    from evidence
),

compared as (
    -- what each threshold is compared with: under the interval rule the bound on the far side
    -- of it (the whole interval must clear it; that rule pools nothing, so the judged figures
    -- are the unit's own), else the judged figures' rate; null when the KPI has too little
    -- evidence, which then meets no threshold and misses none
    select
        {% for kpi, lower_is_better in [('complaint_rate', true), ('timeliness', false), ('satisfaction', false)] -%}
            case
                when judged_figures.small_sample_rule <> 'interval'
                    then {{ safe_ratio('judged_figures.' ~ kpi ~ '_successes', 'judged_figures.' ~ kpi ~ '_trials') }}
                when judged_figures.{{ kpi }}_basis = 'unit'
                    then judged_figures.{{ kpi }}_{{ 'high' if lower_is_better else 'low' }}
            end as {{ kpi }}_for_up,
            case
                when judged_figures.small_sample_rule <> 'interval'
                    then {{ safe_ratio('judged_figures.' ~ kpi ~ '_successes', 'judged_figures.' ~ kpi ~ '_trials') }}
                when judged_figures.{{ kpi }}_basis = 'unit'
                    then judged_figures.{{ kpi }}_{{ 'low' if lower_is_better else 'high' }}
            end as {{ kpi }}_for_down,
        {% endfor -%}
        judged_figures.*
    from judged_figures
),

verdicts as (
    -- one row per subject and quarter, grouped on its keys: the grouping keeps this step apart in
    -- sqlglot's optimizer (dagster-dbt's column lineage), which otherwise inlined the verdict
    -- into every column that reads it (column lineage over this model: 31 s, now 7 s)
    select
        {% for key in keys %}compared.{{ key }},
        {% endfor -%}
        -- rounded before comparing: a rate exactly on a threshold must not fall off it by float noise
        max(case when
                coalesce(
                    round(compared.complaint_rate_for_up, 9)
                    <= compared.complaint_rate_target - compared.rate_margin_up,
                    false
                )
                and coalesce(round(compared.timeliness_for_up, 9) >= compared.timeliness_up_min, false)
                and coalesce(round(compared.satisfaction_for_up, 9) >= compared.satisfaction_up_min, false)
                then 1
            else 0
        end) = 1 as meets_up,
        {%- set misses = [
            'coalesce(round(compared.complaint_rate_for_down, 9) >= compared.complaint_rate_target + compared.rate_margin_down, false)',
            'coalesce(round(compared.timeliness_for_down, 9) < compared.timeliness_down_below, false)',
            'coalesce(round(compared.satisfaction_for_down, 9) < compared.satisfaction_down_below, false)'] %}
        max(case
            when compared.down_when = 'any' and ({{ misses | join(' or ') }}) then 1
            when compared.down_when = 'all' and {{ misses | join(' and ') }} then 1
            else 0
        end) = 1 as meets_down
    from compared
    group by {% for key in keys %}compared.{{ key }}{% if not loop.last %}, {% endif %}{% endfor %}
),

judged as (
    select
        compared.*,
        verdicts.meets_up,
        verdicts.meets_down
    from compared
    inner join verdicts
        on {% for key in keys %}compared.{{ key }} = verdicts.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %}
),

outcome as (
    select
        judged.*,
        top_class.complaint_class as top_complaint_class,
        case
            when months_covered < 3 then 'not_assessed: partial quarter'
            when complaint_rate is null or timeliness_rate is null or satisfaction_rate is null
                then 'not_assessed: a KPI has no denominator'
            when complaint_rate_basis = 'insufficient' and timeliness_basis = 'insufficient'
                and satisfaction_basis = 'insufficient'
                then 'not_assessed: insufficient evidence'
            when meets_up then 'up'
            when meets_down then 'down'
            else 'steady'
        end as assessment,
        {{ safe_ratio('top_class.class_complaints', 'top_class.all_complaints') }} as top_class_share,
        coalesce(
            top_class.all_complaints >= judged.training_min_complaints
            and round(cast(top_class.class_complaints as double) / top_class.all_complaints, 9)
            >= judged.training_class_share, false
        ) as training_needed
    from judged
    left join top_class
        on {% for key in keys %}judged.{{ key }} = top_class.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %}
)
{%- endmacro %}


{# The quarter axis of an assessment: the CTEs months (dim_month) and quarters (quarter_end). #}
{% macro assessment_quarters() -%}
months as (
    select
        month_start,
        year_number,
        quarter_number,
        month_end
    from {{ ref('dim_month') }}
),

quarters as (
    select
        year_number,
        quarter_number,
        max(month_end) as quarter_end
    from months
    group by year_number, quarter_number
),
{%- endmacro %}


{# The CTE top_class: per subject and quarter (keys) the class of the CTE `classes` with the most
   complaints (class_complaints; a tie goes to the first class code) and all the subject's
   complaints (all_complaints), for the training 003 §6.3 calls for. #}
{% macro top_class_of(classes, keys) -%}
top_class as (
    select * from (
        select
            {{ classes }}.*,
            cast(
                sum({{ classes }}.class_complaints) over (partition by {{ keys | join(', ') }}) as bigint
            ) as all_complaints,
            row_number() over (
                partition by {{ keys | join(', ') }}
                order by {{ classes }}.class_complaints desc, {{ classes }}.complaint_class asc
            ) as class_rank
        from {{ classes }}
    ) as ranked
    where class_rank = 1
)
{%- endmacro %}


{# The columns every assessment publishes from its outcome CTE: the three KPIs with their
   intervals and bases, the rule, the verdict and the bonus float; then the training ones. #}
{% macro assessment_columns() -%}
outcome.months_covered,
    outcome.complaints,
    outcome.policies,
    outcome.complaint_rate,
    outcome.complaint_rate_low,
    outcome.complaint_rate_high,
    outcome.complaint_rate_basis,
    outcome.complaint_rate_target,
    outcome.handled_on_time,
    outcome.complaints_received,
    outcome.timeliness_rate,
    outcome.timeliness_low,
    outcome.timeliness_high,
    outcome.timeliness_basis,
    outcome.company_timeliness_rate,
    outcome.regulator_timeliness_rate,
    outcome.respondents_satisfied,
    outcome.respondents_reached,
    outcome.satisfaction_rate,
    outcome.satisfaction_low,
    outcome.satisfaction_high,
    outcome.satisfaction_basis,
    outcome.rule_version,
    outcome.assessment,
    case outcome.assessment
        when 'up' then outcome.bonus_up_pct
        when 'down' then -outcome.bonus_down_pct
        when 'steady' then 0
    end as bonus_float_pct
{%- endmacro %}


{% macro assessment_training_columns() -%}
outcome.top_complaint_class,
    outcome.top_class_share,
    outcome.training_needed,
    case when outcome.training_needed then topics.topic_zh end as training_topic
{%- endmacro %}
