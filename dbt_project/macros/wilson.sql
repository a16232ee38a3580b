{#
  A bound of the Wilson score interval of a proportion at normal quantile z (a double;
  1.959964 for 95%, two-sided): rate = successes ÷ trials (a double), null without trials.
  Written out because neither engine has it; unlike p ± z·√(p(1−p)/n) it stays within [0, 1]
  and is not zero-width at 0/n or n/n, where small units sit. side: 'low' or 'high'.
    (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)
  Pass column names: the expression repeats each argument (sqlglot's optimizer, which
  dagster-dbt runs for column lineage, slows down sharply on long repeated expressions).
#}
{% macro wilson_bound(rate, trials, z, side) -%}
    case when {{ trials }} > 0 then
        ({{ rate }} + {{ z }} * {{ z }} / (2.0 * {{ trials }})
         {{ '-' if side == 'low' else '+' }} {{ z }}
             * sqrt({{ rate }} * (1 - {{ rate }}) / {{ trials }} + {{ z }} * {{ z }} / (4.0 * {{ trials }} * {{ trials }})))
        / (1 + {{ z }} * {{ z }} / {{ trials }})
    end
{%- endmacro %}
