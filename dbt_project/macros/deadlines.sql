{#
  Deadlines in the calendar a rule names: deadline_date() picks plain days or the working
  day that workday_offsets() joins from int_workday_deadlines (under the alias given).
#}
{% macro deadline_date(calendar, start_date, days, offsets) -%}
    case when {{ calendar }} = 'calendar_days'
         then cast({{ dbt.dateadd('day', days, start_date) }} as date)
         else {{ offsets }}.deadline_date end
{%- endmacro %}

{# Whether that deadline counted through a provisional calendar year (int_workday_deadlines):
   plain calendar days never do. #}
{% macro deadline_provisional(calendar, offsets) -%}
    coalesce({{ calendar }} = 'cn_workdays' and {{ offsets }}.is_provisional, false)
{%- endmacro %}

{# The join for deadline_date(). The calendar is folded into the key (a plain-day rule's
   start is null and matches nothing) so that it stays an equi-join: a calendar test in the
   ON clause made DuckDB fall back to a nested-loop join (50 s instead of 1 s at scale 10). #}
{% macro workday_offsets(alias, calendar, start_date, days) -%}
    left join {{ ref('int_workday_deadlines') }} {{ alias }}
        on {{ alias }}.start_date = case when {{ calendar }} = 'cn_workdays' then {{ start_date }} end
        and {{ alias }}.days = {{ days }}
{%- endmacro %}

{# The time a complaint reached a milestone (an event type of the complaint_events contract)
   named by a rule, from int_complaint_milestones (alias m). #}
{% macro milestone_at(name, m='m') -%}
    case {{ name }}
        {%- for milestone in ['received', 'contacted', 'assigned', 'investigating', 'reported', 'plan_approved',
                              'feedback', 'closed', 'extended', 'extension_approved'] %}
        when '{{ milestone }}' then {{ m }}.{{ milestone }}_at
        {%- endfor %}
    end
{%- endmacro %}
