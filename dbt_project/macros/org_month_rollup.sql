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
#}
{% macro org_month_rollup(leaf, measures, keys=[], types={}, lists=[], date_column='activity_date') -%}
    {%- set month = month_of('leaf.' ~ date_column) -%}
    {%- set outer = ['orgs.org_code', 'orgs.org_name', 'orgs.org_level', 'orgs.month_start', 'orgs.period_month'] -%}
    {%- for key in keys %}{% do outer.append('key_values.' ~ key) %}{% endfor -%}
    {%- for measure in measures -%}
        {%- do outer.append('cast(coalesce(rolled.' ~ measure ~ ', 0) as ' ~ types.get(measure, 'bigint') ~ ') as ' ~ measure) -%}
    {%- endfor -%}
    {%- for list in lists %}{% do outer.append('rolled.' ~ list) %}{% endfor -%}
    {%- set inner = ['hierarchy.ancestor_org_code as org_code', month ~ ' as month_start'] -%}
    {%- for key in keys %}{% do inner.append('leaf.' ~ key) %}{% endfor -%}
    {%- for measure in measures %}{% do inner.append('sum(leaf.' ~ measure ~ ') as ' ~ measure) %}{% endfor -%}
    {%- for list in lists %}{% do inner.append(distinct_list('leaf.' ~ list) ~ ' as ' ~ list) %}{% endfor -%}
    select
        {{ outer | join(',\n        ') }}
    from {{ ref('int_org_months') }} orgs
    {% if keys %}cross join (select distinct {{ keys | join(', ') }} from {{ leaf }}) key_values{% endif %}
    left join (
        select {{ inner | join(', ') }}
        from {{ leaf }} leaf
        inner join {{ ref('bridge_org_hierarchy') }} hierarchy
            on hierarchy.org_code = leaf.org_code
            and leaf.{{ date_column }} between hierarchy.valid_from and hierarchy.valid_to
        group by hierarchy.ancestor_org_code, {{ month }}{% for key in keys %}, leaf.{{ key }}{% endfor %}
    ) rolled
        on rolled.org_code = orgs.org_code
        and rolled.month_start = orgs.month_start
        {%- for key in keys %}
        and rolled.{{ key }} = key_values.{{ key }}
        {%- endfor %}
    where orgs.month_start between (select min({{ month_of(date_column) }}) from {{ leaf }})
                               and (select max({{ month_of(date_column) }}) from {{ leaf }})
{%- endmacro %}
