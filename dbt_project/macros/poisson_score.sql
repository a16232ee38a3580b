{#
  A bound of the score interval of a Poisson rate at normal quantile z (a double): events ÷
  exposure, null without exposure. For 投诉率 (complaints per policy underwritten), which is a
  count over an exposure and not a proportion: a complaint may come from an older policy, so a
  small outlet can have more complaints than new policies (rate > 1), where the Wilson
  interval's p(1 − p) turns negative and its square root fails the build. side: 'low' or 'high'.
    (x + z²/2 ± z·√(x + z²/4)) / n
  Pass column names (see wilson_bound).
#}
{% macro poisson_score_bound(events, exposure, z, side) -%}
    case when {{ exposure }} > 0 then
        ({{ events }} + {{ z }} * {{ z }} / 2.0
         {{ '-' if side == 'low' else '+' }} {{ z }} * sqrt({{ events }} + {{ z }} * {{ z }} / 4.0))
        / {{ exposure }}
    end
{%- endmacro %}
