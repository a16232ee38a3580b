{# One row per combination of the given columns (the grain of a mart). #}
{% test unique_combination(model, columns) %}
    select {{ columns | join(', ') }}, count(*) as rows_with_key
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}

{# A rate row: 0 ≤ numerator ≤ denominator, and rate = numerator / denominator in [0, 1]
   (null exactly when the denominator is 0). #}
{% test valid_rate(model, numerator='numerator', denominator='denominator', rate='rate') %}
    select *
    from {{ model }}
    where {{ numerator }} < 0
       or {{ numerator }} > {{ denominator }}
       or ({{ denominator }} = 0 and {{ rate }} is not null)
       or ({{ denominator }} > 0 and ({{ rate }} is null or {{ rate }} < 0 or {{ rate }} > 1
            or abs({{ rate }} - cast({{ numerator }} as double) / {{ denominator }}) > 1e-9))
{% endtest %}

{# A score on 100 points. #}
{% test accepted_range_0_100(model, column_name) %}
    select * from {{ model }} where {{ column_name }} < 0 or {{ column_name }} > 100
{% endtest %}
