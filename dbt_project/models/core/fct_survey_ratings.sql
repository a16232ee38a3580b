{#
  Survey ratings in long form: one row per response and rated service-quality dimension,
  with the points of the rating scale (000 §4.1). The five rating columns are fixed by the
  survey_responses contract; which dimensions count and how much lives in seeds.
#}
with responses as (
    select * from {{ ref('fct_survey_responses') }}
),

scale as (
    select * from {{ ref('sq_rating_scale') }}
),

long as (
    {% for dimension in ['attitude', 'timeliness', 'professionalism', 'convenience', 'satisfaction'] %}
    select response_id, org_code, employee_id, surveyed_month, '{{ dimension }}' as dimension_code,
           {{ dimension }}_rating as rating
    from responses
    where {{ dimension }}_rating is not null
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    long.response_id,
    long.org_code,
    long.employee_id,
    long.surveyed_month,
    long.dimension_code,
    long.rating,
    scale.points,
    scale.max_points
from long
inner join scale on scale.rating = long.rating
