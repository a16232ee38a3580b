{#
  季度结算 Whether each quarter's figures have settled enough to be frozen for bonuses (kefu
  publish --period refuses one that has not, saying when it will): every complaint received in
  the quarter closed, or past its deadline (the regulator's where it governs the complaint,
  else the company's) by the rule's settle_lag_days; and the callback surveys' window
  (survey_window_days after the quarter's end) over. "Now" is the data's own day, the latest
  day a complaint was received (as_of_date), so a rebuild of old extracts judges as the day did.
#}
with complaints as (
    select
        received_date,
        closed_at,
        coalesce(regulator_deadline_date, deadline_date) as deadline_date,
        cast({{ dbt.date_trunc('quarter', 'received_date') }} as date) as quarter_start
    from {{ ref('fct_complaints') }}
),

as_of as (
    select max(received_date) as as_of_date from complaints
),

quarters as (
    select
        complaints.quarter_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, 'complaints.quarter_start')) }} as date) as quarter_end,
        count(*) as complaints,
        count(case when complaints.closed_at is null then 1 end) as complaints_open,
        max(case when complaints.closed_at is null then complaints.deadline_date end) as last_open_deadline
    from complaints
    group by complaints.quarter_start
),

judged as (
    select
        quarters.*,
        rules.rule_version,
        rules.settle_lag_days,
        rules.survey_window_days,
        as_of.as_of_date,
        cast({{ dbt.dateadd('day', 'rules.survey_window_days', 'quarters.quarter_end') }} as date) as surveys_over_on,
        cast({{ dbt.dateadd('day', 'rules.settle_lag_days', 'quarters.last_open_deadline') }} as date)
            as open_complaints_settle_on
    from quarters
    cross join as_of
    inner join {{ ref('settlement_rules') }} as rules
        on quarters.quarter_end between rules.effective_from and {{ open_end('rules.effective_to') }}
)

select
    concat(
        cast(extract(year from quarter_start) as {{ dbt.type_string() }}), '-Q',
        cast(extract(quarter from quarter_start) as {{ dbt.type_string() }})
    ) as period_quarter,
    quarter_start,
    quarter_end,
    complaints,
    complaints_open,
    last_open_deadline,
    rule_version as settlement_rule_version,
    as_of_date,
    -- the day by which it settles at the latest: open complaints may close sooner
    case
        when open_complaints_settle_on > surveys_over_on then open_complaints_settle_on
        else surveys_over_on
    end as settles_on,
    as_of_date >= surveys_over_on and coalesce(as_of_date >= open_complaints_settle_on, true) as is_settled
from judged
