{#
  Models kept by month, on both engines. The contract:

  1. A model declares once, at its top, what its months are built from; the declaration
     gives its config (the post-hook that drops emptied months included):
         {%- set kept = kept_by_month('received_month', inputs=[...], rules=[...]) %}
         {{ config(**kept.config) }}
     month_column  the model's month (first day of the month, a date).
     inputs        where its rows come from: {'model': name (or 'relation': a relation, e.g. a
                   CTE of the model, that holds no months), 'month': the input's month (a
                   column, or an expression over `input_rows` and `join`), 'join': optional joins
                   that find it, 'where': optional filter, 'kept': true when the input is kept
                   by month itself (its rows carry input_fingerprint); other inputs are staged
                   extracts, whose rows carry load_id; 'holds_months': false when only its
                   changes matter, its months not being the model's (a joined input's never are)}.
     rules         relations whose content every month depends on (seeds, dimension
                   histories): a change recomputes every month (frozen quarters still refuse
                   to move; see kefu publish --period).
     compares_with months before a month that its rows compare with ([1, 12]: the month
                   before and the same month a year before): a change there rebuilds it too.
     also_rebuild  a select of further months (column month) an incremental run rebuilds,
                   for comparisons at no fixed distance (a complainant's previous complaint).
     spine         a KPI mart: a row per org unit and month from its inputs' first to last
                   month, the org tree part of its rules; a table built whole on Spark.
  2. months_to_build(kept) returns rows (month, input_fingerprint): every month on a full
     build; on an incremental run those whose fingerprint differs from the one the model's
     rows carry. The model writes input_fingerprint on each of its rows.
  3. After an incremental run the months the model holds that none of its inputs holding
     months has any more are deleted (a correction that moved every row of a month elsewhere).

  A month's fingerprint hashes, per input, its row count and newest load there (for a kept
  input, the fingerprint that input recorded), and the content of the rules.
#}
{% macro kept_by_month(month_column, inputs, rules=[], compares_with=[], also_rebuild=none, spine=false) -%}
    {%- set kept = {'month_column': month_column, 'inputs': inputs, 'rules': rules,
                    'compares_with': compares_with, 'also_rebuild': also_rebuild, 'spine': spine} -%}
    {%- if spine and target.type == 'spark' -%}
        {#- Readers of a Spark build (publish, the parity test) read a table's Parquet files,
            which partitions by month would move into folders; the parity test then compares
            DuckDB's incremental result with a complete computation. -#}
        {%- do kept.update({'config': {'materialized': 'table'}}) -%}
    {%- else -%}
        {%- set held_by = [] -%}
        {%- for input in inputs if input.model and not input.join and input.holds_months is not false -%}
            {%- do held_by.append({'model': input.model, 'month': input.month, 'where': input.where or ''}) -%}
        {%- endfor -%}
        {%- do kept.update({'config': {
            'materialized': 'incremental',
            'unique_key': month_column,
            'incremental_strategy': 'insert_overwrite' if target.type == 'spark' else 'delete+insert',
            'partition_by': [month_column] if target.type == 'spark' else none,
            'on_schema_change': 'fail',
            'post_hook': '{{ drop_emptied_months(' ~ tojson(month_column) ~ ', ' ~ tojson(held_by) ~ ', '
                         ~ (spine | string | lower) ~ ') }}'}}) -%}
    {%- endif -%}
    {{ return(kept) }}
{%- endmacro %}

{# The months to (re)build with their fingerprints (rows: month, input_fingerprint). #}
{% macro months_to_build(kept) -%}
    select fingerprints.month, fingerprints.input_fingerprint
    from ({{ month_fingerprints(kept) }}) fingerprints
    {%- if is_incremental() %}
    left join (select distinct {{ kept.month_column }} as month, input_fingerprint from {{ this }}) built
        on built.month = fingerprints.month
    where built.month is null or built.input_fingerprint <> fingerprints.input_fingerprint
    {%- if kept.also_rebuild %}
        or fingerprints.month in ({{ kept.also_rebuild }})
    {%- endif %}
    {%- endif %}
{%- endmacro %}

{# The months a model comparing with earlier months reads (rows: month): those it builds
   (months: a relation of them) and the months of its inputs they compare with. #}
{% macro months_with_compared(kept, months) -%}
    select distinct held.month
    from ({{ _input_months(kept) }}) held
    inner join {{ months }} built
        on {{ month_number('built.month') }} - {{ month_number('held.month') }}
           in (0{% for before in kept.compares_with %}, {{ before }}{% endfor %})
{%- endmacro %}

{# Every month's fingerprint (rows: month, input_fingerprint). #}
{% macro month_fingerprints(kept) -%}
    {%- set rules = kept.rules + ([ref('int_org_months'), ref('bridge_org_hierarchy')] if kept.spine else []) -%}
    {#- the rules' fingerprint in a one-row table joined to every month: written inside the
        month's md5, DuckDB hashed the whole text of every rule and dimension row once per
        month (6 of a mart's 14 s at the Connecticut file's 119,340 unit-months) -#}
    {%- set own -%}
        select per_month.month,
               md5(per_month.input_fingerprints
                   {%- if rules %} || '|' || rules.fingerprint{% endif %}) as input_fingerprint
        from (
            select month, {{ ordered_list('input_fingerprint') }} as input_fingerprints
            from ({{ _input_months(kept, fingerprints=true) }}) per_input
            group by month
        ) per_month
        {%- if rules %}
        cross join (select {{ rules_fingerprint(rules) }} as fingerprint) rules
        {%- endif %}
    {%- endset -%}
    {%- if kept.compares_with -%}
    select month,
           md5(input_fingerprint
               {%- for before in kept.compares_with %}
               || '|' || coalesce(max(input_fingerprint) over (
                   order by month_number range between {{ before }} preceding and {{ before }} preceding), '')
               {%- endfor %}) as input_fingerprint
    from (select own.*, {{ month_number('month') }} as month_number from ({{ own }}) own) numbered
    {%- else -%}
    {{ own }}
    {%- endif -%}
{%- endmacro %}

{# Per input and month, the input's part of the fingerprint (rows: month, input_fingerprint);
   without fingerprints, only the months. A mart's months are those of the org × month spine
   from its inputs' first to last month: one with no input rows fingerprints as empty. #}
{% macro _input_months(kept, fingerprints=false) -%}
    {%- set per_input -%}
        {%- for input in kept.inputs %}
        select {{ input.month }} as month
            {%- if fingerprints %}, '{{ loop.index }}:' ||
            {%- if input.kept %} max(input_rows.input_fingerprint)
            {%- else %} cast(count(*) as {{ dbt.type_string() }}) || '@' || coalesce(max(input_rows.load_id), '')
            {%- endif %} as input_fingerprint{% endif %}
        from {{ ref(input.model) if input.model else input.relation }} input_rows {{ input.join or '' }}
        {%- if input.where %}
        where {{ input.where }}
        {%- endif %}
        group by {{ input.month }}
        {% if not loop.last %}union all{% endif %}
        {%- endfor %}
    {%- endset -%}
    {%- if kept.spine -%}
    select month{% if fingerprints %}, input_fingerprint{% endif %}
    from (
        select spine.month_start as month{% if fingerprints %}, recorded.input_fingerprint{% endif %},
               min(recorded.month) over () as first_month, max(recorded.month) over () as last_month
        from (select distinct month_start from {{ ref('int_org_months') }}) spine
        left join ({{ per_input }}) recorded on recorded.month = spine.month_start
    ) spine_months
    where month between first_month and last_month
    {%- else -%}
    {{ per_input }}
    {%- endif -%}
{%- endmacro %}

{#
  The post-hook of a model kept by month: delete the months it holds that its inputs (held_by:
  those whose month is their own column) have no row in any more. delete+insert, like Spark's
  insert_overwrite, replaces only the months a run writes rows for, so a month whose every
  input row a correction moved elsewhere (a mistyped date put right) would keep its old rows,
  which a full build would not have. A mart (spine) holds every month from its inputs' first
  to last. Rendered when the model runs, where ref() resolves.
#}
{% macro drop_emptied_months(month_column, held_by, spine) -%}
{%- if is_incremental() -%}
    {%- set input_months -%}
        {%- for input in held_by %}
        select {{ input.month }} as month from {{ ref(input.model) }} input_rows
        {%- if input.where %} where {{ input.where }}{% endif %}
        {%- if not loop.last %} union all{% endif %}
        {%- endfor %}
    {%- endset -%}
    {%- set emptied -%}
        {%- if spine -%}
        {{ month_column }} not between (select min(month) from ({{ input_months }}) first_month)
                                 and (select max(month) from ({{ input_months }}) last_month)
        {%- else -%}
        {#- distinct: a hash of the few months, not of every input row (0.9 -> 0.3 s at scale 100) #}
        {{ month_column }} not in (select distinct month from ({{ input_months }}) input_months
                                   where month is not null)
        {%- endif -%}
    {%- endset -%}
    {%- if target.type == 'spark' -%}
        {%- do _drop_month_partitions(month_column,
                                      'select distinct ' ~ month_column ~ ' from ' ~ this ~ ' where ' ~ emptied) -%}
    {%- else -%}
    delete from {{ this }} where {{ emptied }}
    {%- endif -%}
{%- endif -%}
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
