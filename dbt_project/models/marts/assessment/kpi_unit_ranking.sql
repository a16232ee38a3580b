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
    from {{ ref('kpi_complaint_rate') }} as rate
    left join {{ ref('kpi_complaint_timeliness') }} as timeliness
        on rate.org_code = timeliness.org_code and rate.month_start = timeliness.month_start
    left join {{ ref('kpi_satisfaction') }} as satisfaction
        on rate.org_code = satisfaction.org_code and rate.month_start = satisfaction.month_start
            and satisfaction.survey_type = 'complaint_callback'
    left join {{ ref('kpi_service_quality_score') }} as score
        on rate.org_code = score.org_code and rate.month_start = score.month_start
)

select
    figures.*,
    {% for kpi, direction in [('complaint_rate', 'asc'), ('timeliness_rate', 'desc'), ('satisfaction_rate', 'desc'),
                              ('service_quality_score', 'desc')] -%}
    case when figures.{{ kpi }} is not null then cast(rank() over (
                partition by figures.org_level, figures.month_start, figures.{{ kpi }} is null
                order by figures.{{ kpi }} {{ direction }}
                ) as bigint)  -- Spark's rank() is an int
    end
        as {{ kpi }}_rank,
    count(figures.{{ kpi }})
        over (partition by figures.org_level, figures.month_start)
        as {{ kpi }}_peers{{ ',' if not loop.last }}  -- noqa: LT02
{% endfor %}
from figures
