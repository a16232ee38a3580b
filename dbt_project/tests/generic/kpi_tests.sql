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

{# Versions of a key (valid_from … valid_to, both inclusive; either may be an expression)
   never overlap: type-2 history, and rule seeds versioned by effective date. #}
{% test no_overlapping_versions(model, keys, valid_from='valid_from', valid_to='valid_to') %}
    with versions as (
        select {{ keys | join(', ') }}, {{ valid_from }} as version_from, {{ valid_to }} as version_to
        from {{ model }}
    )
    select {% for key in keys %}a.{{ key }}, {% endfor %}a.version_from, b.version_from as overlapping_from
    from versions a
    inner join versions b
        on {% for key in keys %}a.{{ key }} = b.{{ key }} and {% endfor %}a.version_from < b.version_from
        and b.version_from <= a.version_to
{% endtest %}

{# Every record's unit exists (some version valid) on the record's day: a record outside its
   unit's validity would drop out of every roll-up. #}
{% test unit_valid_on(model, column_name, date_column) %}
    select records.{{ column_name }}, records.{{ date_column }}
    from (select * from {{ model }}) records  {#- model may be a filtered subquery with its own alias (where:) #}
    where records.{{ column_name }} is not null
      and not exists (
          select 1 from {{ ref('dim_org_history') }} versions
          where versions.org_code = records.{{ column_name }}
            and records.{{ date_column }} between versions.valid_from and versions.valid_to)
{% endtest %}
