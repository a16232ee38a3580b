{#
  Deadlines in the calendar a rule names. Working days come from int_workday_deadlines,
  joined by the caller as `offsets` alias:
      left join {{ ref('int_workday_deadlines') }} <alias>
          on <calendar> = 'cn_workdays' and <alias>.start_date = <start> and <alias>.days = <days>
#}
{% macro deadline_date(calendar, start_date, days, offsets) -%}
    case when {{ calendar }} = 'calendar_days'
         then cast({{ dbt.dateadd('day', days, start_date) }} as date)
         else {{ offsets }}.deadline_date end
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
