{#
  员工年度评先评优 The year's excellent-employee selection as 003 §6.2 reads it, per employee and
  year, under the merit_rules version in force on the year's last day:
  - the complaint rate of the business the employee handled: complaints naming the employee
    as responsible ÷ service interactions the employee served (completed or transferred),
    against the company's average over every employee (complaints naming an employee ÷ their
    interactions served);
  - bonus points (加分) when that rate is at most rate_share_of_average of the average
    (明显低于平均水平), the employee's complaints were handled on time (the stricter deadline,
    at least timeliness_min) and their complainants satisfied (at least satisfaction_min); a
    KPI with nothing to count (no complaint, no callback) does not hold the employee back;
  - not eligible (失去评选资格) after more than max_upheld_violations upheld staff-violation
    complaints, or when the team of the year's end had frequent complaints (its rate at least
    team_rate_multiple of the average) handled badly (on time below team_timeliness_below);
  - insufficient evidence under min_business interactions; a year the data do not cover
    whole (12 months of interactions) is not assessed.
  The employee's unit and team are those of the last assignment that began by the year's end.
#}
with years as (
    -- the years the interactions cover, and whether whole
    select
        year_number,
        count(*) as months_covered,
        max(month_end) as year_end
    from {{ ref('dim_month') }}
    where month_start in (select distinct occurred_month from {{ ref('fct_service_events') }})
    group by year_number
),

business as (
    select
        employee_id,
        cast(extract(year from occurred_date) as bigint) as year_number,
        count(*) as interactions_served
    from {{ ref('fct_service_events') }}
    where employee_id is not null and outcome in ('completed', 'transferred')
    group by employee_id, extract(year from occurred_date)
),

complaints as (
    select
        employee_id,
        cast(extract(year from received_date) as bigint) as year_number,
        count(*) as complaints,
        count(case when is_handled_on_time then 1 end) as handled_on_time,
        count(
            case when complaint_class = 'staff_violation' and outcome in ('upheld', 'partly_upheld') then 1 end
        ) as upheld_violations
    from {{ ref('fct_complaints') }}
    where employee_id is not null
    group by employee_id, extract(year from received_date)
),

callbacks as (
    -- the complainants of the employee's complaints, called back (in the year of the callback)
    select
        complaints.employee_id,
        cast(extract(year from responses.surveyed_date) as bigint) as year_number,
        count(case when responses.is_reached then 1 end) as respondents_reached,
        count(case when responses.is_satisfied then 1 end) as respondents_satisfied
    from {{ ref('fct_survey_responses') }} as responses
    inner join {{ ref('fct_complaints') }} as complaints on responses.complaint_id = complaints.complaint_id
    where responses.survey_type = 'complaint_callback' and complaints.employee_id is not null
    group by complaints.employee_id, extract(year from responses.surveyed_date)
),

subjects as (
    select
        employee_id,
        year_number
    from business
    union
    select
        employee_id,
        year_number
    from complaints
),

assignment as (
    -- the last assignment that began by the year's end and ended after the year began
    select * from (
        select
            subjects.employee_id,
            subjects.year_number,
            staff.org_code,
            staff.team_code,
            row_number() over (
                partition by subjects.employee_id, subjects.year_number order by staff.valid_from desc
            ) as latest
        from subjects
        inner join years on subjects.year_number = years.year_number
        inner join {{ ref('dim_employee_history') }} as staff
            on subjects.employee_id = staff.employee_id
                and years.year_end >= staff.valid_from
                and subjects.year_number <= extract(year from staff.valid_to)
    ) as ranked
    where latest = 1
),

figures as (
    select
        subjects.employee_id,
        subjects.year_number,
        assignment.org_code,
        assignment.team_code,
        years.months_covered,
        years.year_end,
        coalesce(business.interactions_served, 0) as interactions_served,
        coalesce(complaints.complaints, 0) as complaints,
        coalesce(complaints.handled_on_time, 0) as handled_on_time,
        coalesce(complaints.upheld_violations, 0) as upheld_violations,
        coalesce(callbacks.respondents_reached, 0) as respondents_reached,
        coalesce(callbacks.respondents_satisfied, 0) as respondents_satisfied
    from subjects
    inner join years on subjects.year_number = years.year_number
    left join assignment
        on subjects.employee_id = assignment.employee_id and subjects.year_number = assignment.year_number
    left join business
        on subjects.employee_id = business.employee_id and subjects.year_number = business.year_number
    left join complaints
        on subjects.employee_id = complaints.employee_id and subjects.year_number = complaints.year_number
    left join callbacks
        on subjects.employee_id = callbacks.employee_id and subjects.year_number = callbacks.year_number
),

company as (
    select
        year_number,
        {{ safe_ratio('sum(complaints)', 'sum(interactions_served)') }} as company_complaint_rate
    from figures
    group by year_number
),

teams as (
    select
        org_code,
        team_code,
        year_number,
        {{ safe_ratio('sum(complaints)', 'sum(interactions_served)') }} as team_complaint_rate,
        {{ safe_ratio('sum(handled_on_time)', 'sum(complaints)') }} as team_timeliness_rate
    from figures
    where team_code is not null
    group by org_code, team_code, year_number
),

judged as (
    select
        figures.*,
        {{ safe_ratio('figures.complaints', 'figures.interactions_served') }} as complaint_rate,
        company.company_complaint_rate,
        {{ safe_ratio('figures.handled_on_time', 'figures.complaints') }} as timeliness_rate,
        {{ safe_ratio('figures.respondents_satisfied', 'figures.respondents_reached') }} as satisfaction_rate,
        teams.team_complaint_rate,
        teams.team_timeliness_rate,
        rules.rule_version,
        rules.rate_share_of_average,
        rules.timeliness_min,
        rules.satisfaction_min,
        rules.team_rate_multiple,
        rules.team_timeliness_below,
        rules.max_upheld_violations,
        rules.min_business
    from figures
    inner join company on figures.year_number = company.year_number
    left join teams
        on figures.org_code = teams.org_code and figures.team_code = teams.team_code
            and figures.year_number = teams.year_number
    inner join {{ ref('merit_rules') }} as rules
        on figures.year_end between rules.effective_from and {{ open_end('rules.effective_to') }}
)

select
    employee_id,
    org_code,
    team_code,
    year_number,
    months_covered,
    interactions_served,
    complaints,
    complaint_rate,
    company_complaint_rate,
    handled_on_time,
    timeliness_rate,
    respondents_reached,
    respondents_satisfied,
    satisfaction_rate,
    upheld_violations,
    team_complaint_rate,
    team_timeliness_rate,
    rule_version,
    -- rounded before comparing: a rate exactly on a threshold must not fall off it by float noise
    case
        when months_covered < 12 then 'not_assessed: partial year'
        when upheld_violations > max_upheld_violations then 'not_eligible: upheld staff violation'
        when
            round(team_complaint_rate, 9) >= round(team_rate_multiple * company_complaint_rate, 9)
            and round(team_timeliness_rate, 9) < team_timeliness_below
            then 'not_eligible: team complaints frequent and handled late'
        when interactions_served < min_business then 'not_assessed: insufficient evidence'
        when
            round(complaint_rate, 9) <= round(rate_share_of_average * company_complaint_rate, 9)
            and coalesce(round(timeliness_rate, 9) >= timeliness_min, true)
            and coalesce(round(satisfaction_rate, 9) >= satisfaction_min, true)
            then 'bonus_points'
        else 'eligible'
    end as merit_result
from judged
