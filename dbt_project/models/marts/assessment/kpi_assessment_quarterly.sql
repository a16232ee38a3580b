{#
  考核结果 Assessment results (003 §6) per org unit and quarter: the three complaint KPIs
  summed over the quarter's months (a quarter's rate is its complaints over its policies,
  not an average of monthly rates), judged against the assessment_rules version in force on
  the quarter's last day:
  - bonus float up (+bonus_up_pct) when the complaint rate is at least rate_margin_up below
    target AND on-time handling ≥ timeliness_up_min (投诉处理及时率: on time by the stricter of
    the company's and the regulator's deadline) AND complainant satisfaction ≥
    satisfaction_up_min;
  - down (−bonus_down_pct) when the rate is at least rate_margin_down above target and
    on-time < timeliness_down_below and satisfaction < satisfaction_down_below (all three,
    or any one when down_when = 'any');
  - steady otherwise. A quarter the data does not cover whole, or a KPI without a
    denominator, is not assessed (outcome says why) rather than judged on part of it.
  How much evidence moves a bonus is the rule's too (small_sample_rule): a KPI below its
  minimum base (min_policies, min_complaints, min_respondents) meets no threshold and misses
  none, unless pool_with_parent judges it on the parent unit's figures; under the interval
  rule a threshold counts as met or missed only when the KPI's whole interval at interval_z
  (Poisson score for the complaint rate, Wilson for the proportions) is on that side of it.
  Each rate is shown with its interval (_low, _high) and the figures that judged it (_basis:
  unit, parent or insufficient); a quarter whose three KPIs all lack evidence is not assessed.
  Promotion (§6.2): up → priority, down → disqualified. Training (§6.3): the class with the
  most complaints, flagged when it holds training_class_share of at least
  training_min_complaints complaints.
#}
with {{ assessment_quarters() }}

rate as (
    select
        r.org_code,
        max(r.org_name) as org_name,
        max(r.org_level) as org_level,
        months.year_number,
        months.quarter_number,
        count(*) as months_covered,
        {{ sum_int("r.numerator") }} as complaints,
        {{ sum_int("r.denominator") }} as policies
    from {{ ref('kpi_complaint_rate') }} as r
    inner join months on r.month_start = months.month_start
    group by r.org_code, months.year_number, months.quarter_number
),

timeliness as (
    select
        t.org_code,
        months.year_number,
        months.quarter_number,
        {{ sum_int("t.numerator") }} as handled_on_time,
        {{ sum_int("t.company_on_time") }} as company_on_time,
        {{ sum_int("t.regulator_on_time") }} as regulator_on_time,
        {{ sum_int("t.denominator") }} as complaints_received
    from {{ ref('kpi_complaint_timeliness') }} as t
    inner join months on t.month_start = months.month_start
    group by t.org_code, months.year_number, months.quarter_number
),

satisfaction as (
    -- 003 §5.3: complainants called back after their complaint was handled
    select
        s.org_code,
        months.year_number,
        months.quarter_number,
        {{ sum_int("s.numerator") }} as respondents_satisfied,
        {{ sum_int("s.denominator") }} as respondents_reached
    from {{ ref('kpi_satisfaction') }} as s
    inner join months on s.month_start = months.month_start
    where s.survey_type = 'complaint_callback'
    group by s.org_code, months.year_number, months.quarter_number
),

classes as (
    select
        c.org_code,
        months.year_number,
        months.quarter_number,
        c.complaint_class,
        {{ sum_int("c.complaints_received") }} as class_complaints
    from {{ ref('kpi_complaints_by_class') }} as c
    inner join months on c.month_start = months.month_start
    group by c.org_code, months.year_number, months.quarter_number, c.complaint_class
    having sum(c.complaints_received) > 0  -- no complaints: no top class
),

{{ top_class_of('classes', ['org_code', 'year_number', 'quarter_number']) }},

quarterly as (
    select
        rate.org_code,
        rate.org_name,
        rate.org_level,
        rate.year_number,
        rate.quarter_number,
        quarters.quarter_end,
        rate.months_covered,
        rate.complaints,
        rate.policies,
        {{ safe_ratio('rate.complaints', 'rate.policies') }} as complaint_rate,
        coalesce(timeliness.handled_on_time, 0) as handled_on_time,
        coalesce(timeliness.complaints_received, 0) as complaints_received,
        -- judged: the stricter of the company's and the regulator's deadline (kpi_complaint_timeliness)
        {{ safe_ratio('coalesce(timeliness.handled_on_time, 0)', 'coalesce(timeliness.complaints_received, 0)') }}
            as timeliness_rate,
        {{ safe_ratio('coalesce(timeliness.company_on_time, 0)', 'coalesce(timeliness.complaints_received, 0)') }}
            as company_timeliness_rate,
        {{ safe_ratio('coalesce(timeliness.regulator_on_time, 0)', 'coalesce(timeliness.complaints_received, 0)') }}
            as regulator_timeliness_rate,
        coalesce(satisfaction.respondents_satisfied, 0) as respondents_satisfied,
        coalesce(satisfaction.respondents_reached, 0) as respondents_reached,
        {{ safe_ratio('coalesce(satisfaction.respondents_satisfied, 0)',
                      'coalesce(satisfaction.respondents_reached, 0)') }} as satisfaction_rate
    from rate
    inner join quarters
        on rate.year_number = quarters.year_number and rate.quarter_number = quarters.quarter_number
    left join timeliness
        on rate.org_code = timeliness.org_code
            and rate.year_number = timeliness.year_number and rate.quarter_number = timeliness.quarter_number
    left join satisfaction
        on rate.org_code = satisfaction.org_code
            and rate.year_number = satisfaction.year_number and rate.quarter_number = satisfaction.quarter_number
),

with_parent as (
    -- the parent unit's figures of the same quarter (the tree as it stood at quarter end), for
    -- the rule that judges a short KPI on them (pool_with_parent)
    select
        quarterly.*,
        parent.complaints as parent_complaints,
        parent.policies as parent_policies,
        parent.handled_on_time as parent_handled_on_time,
        parent.complaints_received as parent_complaints_received,
        parent.respondents_satisfied as parent_respondents_satisfied,
        parent.respondents_reached as parent_respondents_reached
    from quarterly
    left join {{ ref('dim_org_history') }} as units
        on quarterly.org_code = units.org_code
            and quarterly.quarter_end between units.valid_from and units.valid_to
    left join quarterly as parent
        on units.parent_org_code = parent.org_code
            and quarterly.year_number = parent.year_number and quarterly.quarter_number = parent.quarter_number
),

{{ assessment_judgement(['org_code', 'year_number', 'quarter_number']) }}

select
    outcome.org_code,
    outcome.org_name,
    outcome.org_level,
    concat(
        cast(outcome.year_number as {{ dbt.type_string() }}), '-Q',
        cast(outcome.quarter_number as {{ dbt.type_string() }})
    ) as period_quarter,
    outcome.year_number,
    outcome.quarter_number,
    {{ assessment_columns() }},
    case outcome.assessment
        when 'up' then 'priority'
        when 'down' then 'disqualified'
        when 'steady' then 'standard'
    end as promotion_flag,
    {{ assessment_training_columns() }}
from outcome
left join {{ ref('training_topics') }} as topics
    on outcome.top_complaint_class = topics.complaint_class
