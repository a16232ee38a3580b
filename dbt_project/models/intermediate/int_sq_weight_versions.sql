{#
  The weight version that scores each line of business in each month (000 §4, 动态调整): the
  version of the line itself when one is in force at the start of the month (寿险 and 财险
  may be weighted differently), else the version for 'all' lines. line_of_business 'all'
  is the company-wide score.
#}
with versions as (
    select distinct
        weight_version,
        line_of_business,
        effective_from,
        effective_to
    from {{ ref('sq_weights') }}
),

lines as (
    select distinct line_of_business from {{ ref('sq_weights') }}
    union
    -- the lines rated, from the daily rollup (the ratings themselves are a view over ~100 M rows at scale 100)
    select distinct line_of_business from {{ ref('int_rating_days') }}
    where line_of_business is not null
),

candidates as (
    select
        lines.line_of_business,
        months.month_start,
        versions.weight_version,
        versions.line_of_business as weights_line,
        row_number() over (
            partition by lines.line_of_business, months.month_start
            order by case when versions.line_of_business = lines.line_of_business then 0 else 1 end
        ) as preference
    from lines
    cross join {{ ref('dim_month') }} as months
    inner join versions
        on versions.line_of_business in (lines.line_of_business, 'all')
            and months.month_start between versions.effective_from and {{ open_end('versions.effective_to') }}
)

select
    line_of_business,
    month_start,
    weight_version,
    weights_line
from candidates
where preference = 1
