{#
  Warns, once per calendar year, when deadlines were counted on a provisional year (no State
  Council notice loaded yet: weekends and statutory holidays only, no make-up workdays).
  The figures publish; the rows carry *_provisional flags and the KPI rows count them.
#}
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'fct_complaints'}}}) }}
with provisional as (
    select
        'complaint stages' as deadlines,
        deadline_date
    from {{ ref('fct_complaint_stages') }}
    where deadline_provisional
    union all
    select
        'regulator',
        regulator_deadline_date
    from {{ ref('fct_complaints') }}
    where regulator_deadline_provisional
    union all
    select
        'claim decisions',
        decision_deadline_date
    from {{ ref('fct_claims') }}
    where is_in_commitment and decision_deadline_provisional
)

select
    cast(extract(year from deadline_date) as integer) as calendar_year,
    count(*) as provisional_deadlines,
    {{ distinct_list('deadlines') }} as of_kinds,
    'provisional calendar: load the State Council notice with kefu calendar --notice FILE' as to_do
from provisional
where deadline_date is not null
group by 1
