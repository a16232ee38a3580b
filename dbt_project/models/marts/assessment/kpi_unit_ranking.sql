{#
  同级排名 Each unit's headline figures in a month beside its peers (the units of the same
  level: provinces with provinces, city branches with city branches): 投诉率 (lower is
  better), 投诉处理及时率 and complainants' 客户满意度 (higher is better) and the weighted
  service-quality score (higher is better), each with its rank among the peers that have a
  value (1 = best) and the number of such peers. Read from the KPI marts.
#}
with figures as (
    select
        rate.org_code,
        rate.org_name,
        rate.org_level,
        rate.period_month,
        rate.month_start,
        rate.rate as complaint_rate,
        timeliness.rate as timeliness_rate,
        satisfaction.rate as satisfaction_rate,
        score.score as service_quality_score
    from {{ ref('kpi_complaint_rate') }} rate
    left join {{ ref('kpi_complaint_timeliness') }} timeliness
        on timeliness.org_code = rate.org_code and timeliness.month_start = rate.month_start
    left join {{ ref('kpi_satisfaction') }} satisfaction
        on satisfaction.org_code = rate.org_code and satisfaction.month_start = rate.month_start
        and satisfaction.survey_type = 'complaint_callback'
    left join {{ ref('kpi_service_quality_score') }} score
        on score.org_code = rate.org_code and score.month_start = rate.month_start
)

select
    figures.*,
    {% for kpi, direction in [('complaint_rate', 'asc'), ('timeliness_rate', 'desc'), ('satisfaction_rate', 'desc'),
                              ('service_quality_score', 'desc')] -%}
    case when {{ kpi }} is not null then rank() over (
        partition by org_level, month_start, {{ kpi }} is null order by {{ kpi }} {{ direction }}) end
        as {{ kpi }}_rank,
    count({{ kpi }}) over (partition by org_level, month_start) as {{ kpi }}_peers{{ ',' if not loop.last }}
    {% endfor %}
from figures
