{# One row per combination of the given columns (the grain of a mart). #}
{% test unique_combination(model, columns) %}
    select {{ columns | join(', ') }}, count(*) as rows_with_key
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}

{# A rate row: rate = numerator / denominator ≥ 0 (null exactly when the denominator is 0).
   A proportion (part of a whole: on-time, satisfied) also has numerator ≤ denominator and a
   rate in [0, 1]; a ratio of two populations (complaints per policies underwritten) need not. #}
{% test valid_rate(model, numerator='numerator', denominator='denominator', rate='rate', proportion=true) %}
    select *
    from {{ model }}
    where {{ numerator }} < 0
       or ({{ denominator }} = 0 and {{ rate }} is not null)
       or ({{ denominator }} > 0 and ({{ rate }} is null or {{ rate }} < 0
            or abs({{ rate }} - cast({{ numerator }} as double) / {{ denominator }}) > 1e-9))
       {% if proportion %}or {{ numerator }} > {{ denominator }} or {{ rate }} > 1{% endif %}
{% endtest %}

{# A score on 100 points. #}
{% test accepted_range_0_100(model, column_name) %}
    select * from {{ model }} where {{ column_name }} < 0 or {{ column_name }} > 100
{% endtest %}

{# No value below a floor (e.g. days from receipt to closure). Nulls pass. #}
{% test not_below(model, column_name, min_value) %}
    select * from {{ model }} where {{ column_name }} < {{ min_value }}
{% endtest %}
