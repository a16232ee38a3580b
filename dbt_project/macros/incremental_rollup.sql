{#
  Rollups of large facts kept incrementally, by month, on both engines. Per month a rollup
  stores a fingerprint of what it was built from: for each input (a select of month and
  load_id over the staging rows the fact reads) the row count and the newest load, and a
  fingerprint of the rules and dimensions it applies. An incremental run rebuilds the months
  whose fingerprint changed — new or corrected rows bring a newer load, a row that moved to
  another month changes both months' counts — and every month when a rule or dimension
  changed, so editing a seed recomputes history (frozen quarters still refuse to move; see
  kefu publish --period). A month left with no input rows is dropped (drop_emptied_months).
#}
{% macro rollup_fingerprints(inputs, rules=[]) -%}
    select month,
           {{ ordered_list("input_fingerprint") }}
               {%- if rules %} || '|' || {{ rules_fingerprint(rules) }}{% endif %} as input_fingerprint
    from (
        {% for input in inputs -%}
        select month, '{{ loop.index }}:' || cast(count(*) as {{ dbt.type_string() }}) || '@'
                      || coalesce(max(load_id), '') as input_fingerprint
        from ({{ input }}) input_{{ loop.index }}
        group by month
        {% if not loop.last %}union all{% endif %}
        {% endfor %}
    ) per_input
    group by month
{%- endmacro %}

{# The months to (re)build: all of them on a full build, else those whose fingerprint changed. #}
{% macro rollup_months(fingerprints, month_column) -%}
    {%- if is_incremental() -%}
    select f.month
    from {{ fingerprints }} f
    left join (select distinct {{ month_column }} as month, input_fingerprint from {{ this }}) built
        on built.month = f.month
    where built.month is null or built.input_fingerprint <> f.input_fingerprint
    {%- else -%}
    select month from {{ fingerprints }}
    {%- endif -%}
{%- endmacro %}

{# A roll-up's grouped rows (CTE rolled) with the fingerprint of their month (CTE
   fingerprints) attached: joined after grouping, since grouping every input row by the
   fingerprint as well (a long text) took 10–30% of a roll-up's time at scale 100. #}
{% macro with_month_fingerprint(month_column) -%}
select rolled.*, fingerprints.input_fingerprint
from rolled
inner join fingerprints on fingerprints.month = rolled.{{ month_column }}
{%- endmacro %}

{# Fingerprints another model computed (month, input_fingerprint), with those of the rules
   and dimensions this model applies appended. #}
{% macro with_rules(fingerprints, rules) -%}
    select month, input_fingerprint || '|' || {{ rules_fingerprint(rules) }} as input_fingerprint
    from {{ fingerprints }}
{%- endmacro %}

{# One text for the content of rule and dimension tables: changes when any row does. #}
{% macro rules_fingerprint(relations) -%}
    md5(concat_ws('|'{% for relation in relations %}, (select {{ ordered_list(row_text('t')) }} from {{ relation }} t){% endfor %}))
{%- endmacro %}

{# The distinct values of a text expression, sorted and joined ('a,b'): the same text on both engines. #}
{% macro ordered_list(expr) -%}
    {{ return(adapter.dispatch('ordered_list', 'kefu')(expr)) }}
{%- endmacro %}
{% macro default__ordered_list(expr) -%} coalesce(string_agg({{ expr }}, ',' order by {{ expr }}), '') {%- endmacro %}
{% macro spark__ordered_list(expr) -%} concat_ws(',', array_sort(collect_list({{ expr }}))) {%- endmacro %}

{# A row as text (for fingerprints). #}
{% macro row_text(alias) -%}
    {{ return(adapter.dispatch('row_text', 'kefu')(alias)) }}
{%- endmacro %}
{% macro default__row_text(alias) -%} cast({{ alias }} as varchar) {%- endmacro %}
{% macro spark__row_text(alias) -%} to_json(struct({{ alias }}.*)) {%- endmacro %}

{#
  The complaints of the months a model kept by month of receipt rebuilds (CTE
  rebuilt_complaints: the staged complaint's id, unit, class, calendar, received_at and
  received_month, and input_fingerprint, i.e.
  int_complaint_milestones' fingerprint of the month plus one of the given rules), with the
  CTEs fingerprints and months it needs: the start of the model's with-list.
#}
{% macro complaints_of_rebuilt_months(rules) -%}
fingerprints as (
    {#- distinct first: appending the rules' fingerprint per complaint hashed the rule tables a million times (4 s) #}
    {{ with_rules("(select distinct received_month as month, input_fingerprint from "
                  ~ ref('int_complaint_milestones') ~ ") milestones", rules) }}
),

months as (
    {{ rollup_months('fingerprints', 'received_month') }}
),

rebuilt_complaints as (
    select complaints.complaint_id, complaints.org_code, complaints.complaint_class, complaints.deadline_calendar,
           complaints.received_at,
           {{ month_of('complaints.received_at') }} as received_month, fingerprints.input_fingerprint
    from {{ ref('stg_ops__complaints') }} complaints
    inner join fingerprints on fingerprints.month = {{ month_of('complaints.received_at') }}
    where {{ month_of('complaints.received_at') }} in (select month from months)
)
{%- endmacro %}

{#
  The start of the with-list of a model kept by month of receipt that reads complaints and
  their items (the bridges): CTEs fingerprints (per month, the complaints' and their items'
  counts and newest loads, plus the given rules) and months (those to rebuild).
#}
{% macro complaint_item_months(rules) -%}
fingerprints as (
    {{ rollup_fingerprints([
        "select received_month as month, load_id from " ~ ref('stg_ops__complaints'),
        "select complaints.received_month as month, items.load_id from " ~ ref('stg_ops__complaint_items')
            ~ " items inner join " ~ ref('stg_ops__complaints') ~ " complaints"
            ~ " on complaints.complaint_id = items.complaint_id"], rules) }}
),

months as (
    {{ rollup_months('fingerprints', 'received_month') }}
)
{%- endmacro %}

{#
  A KPI mart kept by month on DuckDB. On Spark it stays a table, built whole: readers of a
  Spark build (publish, the parity test) read a table's Parquet files, which partitions by
  month would move into folders; and the parity test then compares DuckDB's incremental
  result with a complete computation.
#}
{% macro incremental_mart_config(inputs) -%}
    {{ return({'materialized': 'table'} if target.type == 'spark'
              else incremental_months_config('month_start', inputs, span=true)) }}
{%- endmacro %}

{#
  The month fingerprints of a mart kept by month (see incremental_rollup): for each month of
  the org × month spine from its inputs' first to last month, the fingerprints its inputs
  recorded for the month (inputs: [relation, month column] pairs of models kept by month,
  whose rows carry input_fingerprint), and one of the org tree, the spine and the given rules
  (seeds, or a CTE of the key values a mart lists in every month). An md5, as a mart stores it
  on each of its many rows. A month between the first and last with no input rows is still
  a month of the spine: it fingerprints as empty.
#}
{% macro mart_fingerprints(inputs, rules=[]) -%}
    select month,
           md5({{ ordered_list('input_fingerprint') }} || '|'
               || {{ rules_fingerprint([ref('int_org_months'), ref('bridge_org_hierarchy')] + rules) }}) as input_fingerprint
    from (
        select spine.month_start as month, recorded.input_fingerprint,
               min(recorded.month) over () as first_month, max(recorded.month) over () as last_month
        from (select distinct month_start from {{ ref('int_org_months') }}) spine
        left join (
            {%- for input in inputs %}
            select {{ input[1] }} as month, '{{ loop.index }}:' || max(input_fingerprint) as input_fingerprint
            from {{ input[0] }}
            group by {{ input[1] }}
            {% if not loop.last %}union all{% endif %}
            {%- endfor %}
        ) recorded on recorded.month = spine.month_start
    ) spine_months
    where month between first_month and last_month
    group by month
{%- endmacro %}
