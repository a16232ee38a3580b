{#
  A bound of the Wilson score interval of a proportion (successes ÷ trials) at normal
  quantile z (1.959964 for 95%, two-sided): null without trials. Written out because neither
  engine has it; unlike p ± z·√(p(1−p)/n) it stays within [0, 1] and is not zero-width at
  0/n or n/n, where small units sit. side: 'low' or 'high'.
    center = (p + z²/2n) / (1 + z²/n),  half = z·√(p(1−p)/n + z²/4n²) / (1 + z²/n)
#}
{% macro wilson_bound(successes, trials, z, side) -%}
    {%- set n = 'cast(' ~ trials ~ ' as double)' -%}
    {%- set p = '(cast(' ~ successes ~ ' as double) / ' ~ n ~ ')' -%}
    {%- set zz = '(cast(' ~ z ~ ' as double) * cast(' ~ z ~ ' as double))' -%}
    case when {{ trials }} > 0 then
        ({{ p }} + {{ zz }} / (2 * {{ n }})
         {{ '-' if side == 'low' else '+' }} cast({{ z }} as double)
             * sqrt({{ p }} * (1 - {{ p }}) / {{ n }} + {{ zz }} / (4 * {{ n }} * {{ n }})))
        / (1 + {{ zz }} / {{ n }})
    end
{%- endmacro %}

{# What an assessment threshold is compared with (kpi_assessment_quarterly): under the
   small-sample rule 'interval' the given bound of the judged figures' Wilson interval, else
   their rate. row: the relation holding <kpi>_successes, <kpi>_trials, interval_z and
   small_sample_rule. #}
{% macro rate_as_judged(row, kpi, bound) -%}
    case
        when {{ row }}.small_sample_rule = 'interval'
            then {{ wilson_bound(row ~ '.' ~ kpi ~ '_successes', row ~ '.' ~ kpi ~ '_trials', row ~ '.interval_z', bound) }}
        else {{ safe_ratio(row ~ '.' ~ kpi ~ '_successes', row ~ '.' ~ kpi ~ '_trials') }}
    end
{%- endmacro %}
