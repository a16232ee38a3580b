{#
  投诉处理结果与归档 Complaint outcomes and archiving (001 §7.1.2, 002 §6, 003 §4.4) per org unit
  (rolled up the hierarchy as it stood), month of final closure and 003 class: the share of
  decided complaints upheld in full or in part (rate), each outcome's count, the compensation
  paid, and the closures archived within the archive rule's days (archive_rate).
#}
with leaf as (
    select
        org_code,
        complaint_class,
        archive_rule_version as archive_rule_versions,
        cast(closed_at as date) as activity_date,
        cast(sum(compensation) as decimal(18, 2)) as compensation,
        count(*) as complaints_closed,
        count(case when outcome in ('upheld', 'partly_upheld') then 1 end) as upheld_in_full_or_part,
        count(case when outcome is not null then 1 end) as decided,
        count(case when outcome = 'upheld' then 1 end) as upheld,
        count(case when outcome = 'partly_upheld' then 1 end) as partly_upheld,
        count(case when outcome = 'not_upheld' then 1 end) as not_upheld,
        count(case when is_archived_in_time then 1 end) as archived_in_time
    from {{ ref('fct_complaints') }}
    where closed_at is not null
    group by org_code, cast(closed_at as date), complaint_class, archive_rule_version
),

rolled as (
    {{ org_month_rollup('leaf', ['complaints_closed', 'upheld_in_full_or_part', 'decided', 'upheld', 'partly_upheld',
                                 'not_upheld', 'compensation', 'archived_in_time'],
                        keys=['complaint_class'], types={'compensation': 'decimal(18,2)'},
                        lists=['archive_rule_versions']) }}
)

select
    org_code,
    org_name,
    org_level,
    period_month,
    month_start,
    complaint_class,
    upheld_in_full_or_part as numerator,
    decided as denominator,
    {{ safe_ratio('upheld_in_full_or_part', 'decided') }} as rate,
    upheld,
    partly_upheld,
    not_upheld,
    compensation,
    complaints_closed,
    archived_in_time,
    {{ safe_ratio('archived_in_time', 'complaints_closed') }} as archive_rate,
    archive_rule_versions
from rolled
