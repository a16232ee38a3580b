{#
  Rolls measures counted at the unit a record belongs to up to every unit above it
  (county, city, province, head office), on a complete org × month spine so that a unit
  with nothing to count in a month still has a row (numerator 0, denominator 0, rate null).

  leaf: a CTE name with columns org_code, month_start, the extra keys and the measures
  (additive counts and sums only). Months span the leaf's first to last month.
  types: SQL type of a measure that is not a count (counts are bigint).
#}
{% macro org_month_rollup(leaf, measures, keys=[], types={}) -%}
    select
        org.org_code,
        org.org_name,
        org.org_level,
        months.month_start,
        months.period_month,
        {% for key in keys %}key_values.{{ key }},{% endfor %}
        {% for measure in measures -%}
        cast(coalesce(sum({{ leaf }}.{{ measure }}), 0) as {{ types.get(measure, 'bigint') }}) as {{ measure }}{{ "," if not loop.last }}
        {% endfor %}
    from {{ ref('dim_org') }} org
    cross join (
        select month_start, period_month from {{ ref('dim_month') }}
        where month_start between (select min(month_start) from {{ leaf }})
                              and (select max(month_start) from {{ leaf }})
    ) months
    {% if keys %}cross join (select distinct {{ keys | join(', ') }} from {{ leaf }}) key_values{% endif %}
    left join {{ ref('bridge_org_hierarchy') }} hierarchy
        on hierarchy.ancestor_org_code = org.org_code
    left join {{ leaf }}
        on {{ leaf }}.org_code = hierarchy.org_code
        and {{ leaf }}.month_start = months.month_start
        {% for key in keys %}and {{ leaf }}.{{ key }} = key_values.{{ key }}{% endfor %}
    group by org.org_code, org.org_name, org.org_level, months.month_start, months.period_month
        {% for key in keys %}, key_values.{{ key }}{% endfor %}
{%- endmacro %}
