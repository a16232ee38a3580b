{#
  Rolls measures counted at the unit a record belongs to up to every unit above it (county,
  city, province, head office) as the tree stood on the record's day, on the complete
  org × month spine (int_org_months) so that a unit with nothing to count in a month still
  has a row (numerator 0, denominator 0, rate null).

  leaf: a CTE with org_code, a date column (date_column), the extra keys, the measures
        (additive counts and sums only) and the list columns (one value per leaf row, e.g.
        the rule version that produced it). Months span the leaf's first to last month.
  types: SQL type of a measure that is not a count (counts are bigint).
  lists: columns whose distinct values are listed per row ('D1,D2'), e.g. rule versions.
  months: for a mart kept by month, a CTE of the months (column month) to build; the leaf
        then need hold only their rows. Without it, the leaf's first to last month.
  key_values: a CTE of every combination of the keys a unit lists in each month; by default
        those the leaf holds (with months given, the leaf holds only some months' keys).
  dense: false gives only the unit-months (and keys) with leaf rows below them, no zero rows:
        for keys with many values (hot spots: 765 units × 126 months × 196 values on the CT
        data, 18.9 M rows of which 0.5 % counted anything).

  In two steps: a unit's leaf rows are first summed per month and span of days over which
  its ancestors stay the same (cut wherever one of its pairs in bridge_org_hierarchy starts
  or ends), then those few rows fan out to the ancestors. Fanning every leaf row out (a row
  per unit and day, times five levels) was most of a mart's time.
#}
{% macro org_month_rollup(leaf, measures, keys=[], types={}, lists=[], date_column='activity_date',
                         months=none, key_values=none, dense=true) -%}
    {%- set month = month_of('leaf.' ~ date_column) -%}
    {%- set outer = ['orgs.org_code', 'orgs.org_name', 'orgs.org_level', 'orgs.month_start', 'orgs.period_month'] -%}
    {%- for key in keys %}{% do outer.append(('key_values.' if dense else 'rolled.') ~ key) %}{% endfor -%}
    {%- for measure in measures -%}
        {%- do outer.append('cast(coalesce(rolled.' ~ measure ~ ', 0) as ' ~ types.get(measure, 'bigint') ~ ') as ' ~ measure) -%}
    {%- endfor -%}
    {%- for list in lists %}{% do outer.append('rolled.' ~ list) %}{% endfor -%}
    {%- set by_span = ['leaf.org_code', 'spans.valid_from as span_from', month ~ ' as month_start'] -%}
    {%- set by_span_keys = ['leaf.org_code', 'spans.valid_from', month] -%}
    {%- for column in keys + lists %}{% do by_span.append('leaf.' ~ column) %}{% do by_span_keys.append('leaf.' ~ column) %}{% endfor -%}
    {%- for measure in measures %}{% do by_span.append('sum(leaf.' ~ measure ~ ') as ' ~ measure) %}{% endfor -%}
    {%- set inner = ['hierarchy.ancestor_org_code as org_code', 'by_span.month_start'] -%}
    {%- for key in keys %}{% do inner.append('by_span.' ~ key) %}{% endfor -%}
    {%- for measure in measures %}{% do inner.append('sum(by_span.' ~ measure ~ ') as ' ~ measure) %}{% endfor -%}
    {%- for list in lists %}{% do inner.append(distinct_list('by_span.' ~ list) ~ ' as ' ~ list) %}{% endfor -%}
    select
        {{ outer | join(',\n        ') }}
    from {{ ref('int_org_months') }} orgs
    {% if keys and dense %}cross join (select distinct {{ keys | join(', ') }} from {{ key_values or leaf }}) key_values{% endif %}
    {{ 'left' if dense else 'inner' }} join (
        select {{ inner | join(', ') }}
        from (
            select {{ by_span | join(', ') }}
            from {{ leaf }} leaf
            inner join ({{ org_spans() }}) spans
                on spans.org_code = leaf.org_code
                and leaf.{{ date_column }} between spans.valid_from and spans.valid_to
            group by {{ by_span_keys | join(', ') }}
        ) by_span
        inner join {{ ref('bridge_org_hierarchy') }} hierarchy
            on hierarchy.org_code = by_span.org_code
            and by_span.span_from between hierarchy.valid_from and hierarchy.valid_to
        group by hierarchy.ancestor_org_code, by_span.month_start{% for key in keys %}, by_span.{{ key }}{% endfor %}
    ) rolled
        on rolled.org_code = orgs.org_code
        and rolled.month_start = orgs.month_start
        {%- for key in (keys if dense else []) %}
        and rolled.{{ key }} = key_values.{{ key }}
        {%- endfor %}
    {% if months -%}
    where orgs.month_start in (select month from {{ months }})
    {%- else -%}
    where orgs.month_start between (select min({{ month_of(date_column) }}) from {{ leaf }})
                               and (select max({{ month_of(date_column) }}) from {{ leaf }})
    {%- endif %}
{%- endmacro %}


{# Each unit's spans of days over which its set of ancestors stays the same. A span that no
   pair covers (before the unit opened, after it closed) matches no ancestor and drops out,
   as a record on such a day always has. #}
{% macro org_spans() -%}
    select org_code, cut as valid_from,
           coalesce(cast({{ dbt.dateadd('day', -1, 'lead(cut) over (partition by org_code order by cut)') }} as date),
                    cast('9999-12-31' as date)) as valid_to
    from (
        select org_code, valid_from as cut from {{ ref('bridge_org_hierarchy') }}
        union
        select org_code, cast({{ dbt.dateadd('day', 1, 'valid_to') }} as date) from {{ ref('bridge_org_hierarchy') }}
        where valid_to < cast('9999-12-31' as date)
    ) cuts
{%- endmacro %}
