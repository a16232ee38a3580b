{#
  One row per calendar day the working-day calendar covers (calendar_coverage seed).
  A day is a working day when it is Monday–Friday and not a public holiday, or when it is
  a make-up workday (调休). workday_seq counts working days up to and including the day,
  so "N working days after d" is the working day whose workday_seq is seq(d) + N.
  is_provisional: a day of a year whose State Council notice is not loaded yet (coverage
  status provisional: weekends and statutory holidays only, no make-up workdays).
  Days outside the coverage are absent: deadlines there are refused, not guessed.
#}
with spine as (
    {{ dbt.date_spine('day',
        "cast('" ~ var('calendar_spine_start') ~ "' as date)",
        "cast('" ~ var('calendar_spine_end') ~ "' as date)") }}
),

coverage as (
    select * from {{ ref('calendar_coverage') }}
    where calendar = 'CN'
),

exceptions as (
    select * from {{ ref('cn_calendar_days') }}
    where calendar = 'CN'
),

days as (
    select
        cast(spine.date_day as date) as date_day,
        coverage.source_version as calendar_version,
        coalesce(coverage.status = 'provisional', false) as is_provisional
    from spine
    inner join coverage
        on cast(spine.date_day as date) between coverage.first_day and coverage.last_day
),

flagged as (
    select
        days.date_day,
        -- bigint on both engines (Spark's extract gives int): the marts' contracts say bigint
        cast(extract(year from days.date_day) as bigint) as year_number,
        cast(extract(quarter from days.date_day) as bigint) as quarter_number,
        cast(extract(month from days.date_day) as bigint) as month_number,
        {{ month_of('days.date_day') }} as month_start,
        {{ month_label('days.date_day') }} as period_month,
        {{ iso_day_of_week('days.date_day') }} as iso_day_of_week,
        {{ iso_day_of_week('days.date_day') }} >= 6 as is_weekend,
        coalesce(exceptions.day_type = 'holiday', false) as is_holiday,
        coalesce(exceptions.day_type = 'makeup_workday', false) as is_makeup_workday,
        case
            when exceptions.day_type = 'holiday' then false
            when exceptions.day_type = 'makeup_workday' then true
            else {{ iso_day_of_week('days.date_day') }} <= 5
        end as is_workday,
        exceptions.holiday_name,
        days.calendar_version,
        days.is_provisional
    from days
    left join exceptions on days.date_day = exceptions.date_day
)

select
    *,
    count(case when is_workday then 1 end) over (
        order by date_day rows between unbounded preceding and current row
    ) as workday_seq
from flagged
