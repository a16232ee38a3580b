{#
  Claims (理赔) with the service commitment of 004: a claim whose documents are complete and
  that needs no investigation is decided within 3 working days of the documents being
  complete (service_commitments seed 'claim_decision', the version in force that day). A
  pending claim past its deadline is late already. Kept incrementally by month of report:
  rebuilt are the months whose claims changed, and every month when the commitment or the
  calendar changes (see kept_by_month).
#}
{%- set kept = kept_by_month(
    'reported_month',
    inputs=[{'model': 'stg_ops__claims', 'month': 'reported_month'}],
    rules=[ref('service_commitments'), ref('cn_calendar_days'), ref('calendar_coverage')]
) %}
{{ config(**kept.config) }}

with months as (
    {{ months_to_build(kept) }}
),

claims as (
    select
        claims.*,
        months.input_fingerprint
    from {{ ref('stg_ops__claims') }} as claims
    inner join months on claims.reported_month = months.month
),

commitment as (
    select * from {{ ref('service_commitments') }}
    where commitment_code = 'claim_decision'
),

dated as (
    select
        claims.*,
        cast(claims.documents_complete_at as date) as documents_complete_date,
        {{ month_of('claims.documents_complete_at') }} as documents_complete_month,
        claims.documents_complete_at is not null and not claims.investigation_required as is_in_commitment,
        commitment.rule_version as commitment_rule_version,
        commitment.days as commitment_days,
        commitment.calendar as commitment_calendar,
        {{ deadline_date('commitment.calendar', 'cast(claims.documents_complete_at as date)', 'commitment.days',
                         'offsets') }} as decision_deadline_date,
        {{ deadline_provisional('commitment.calendar', 'offsets') }} as decision_deadline_provisional
    from claims
    left join commitment
        on cast(claims.documents_complete_at as date)
            between commitment.effective_from and {{ open_end('commitment.effective_to') }}
    {{ workday_offsets('offsets', 'commitment.calendar', 'cast(claims.documents_complete_at as date)',
                       'commitment.days') }}
)

select
    claim_id,
    policy_no,
    org_code,
    employee_id,
    product_line,
    reported_at,
    cast(reported_at as date) as reported_date,
    reported_month,
    documents_complete_at,
    documents_complete_date,
    documents_complete_month,
    investigation_required,
    decided_at,
    decision,
    paid_at,
    claimed_amount,
    paid_amount,
    is_in_commitment,
    commitment_rule_version,
    commitment_days,
    commitment_calendar,
    decision_deadline_date,
    decision_deadline_provisional,
    coalesce(
        is_in_commitment and decided_at is not null and cast(decided_at as date) <= decision_deadline_date, false
    ) as is_decided_on_time,
    {{ dbt.datediff('cast(reported_at as date)', 'cast(decided_at as date)', 'day') }} as days_report_to_decision,  -- noqa: LT05
    load_id,
    source_file,
    source_row,
    input_fingerprint
from dated
