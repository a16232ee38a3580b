{#
  Complaints by class (003 §3: product / service quality / staff violation) per org unit and
  month of receipt: where complaints concentrate (003 §6.3), and the class breakdown of
  投诉处理及时率. Counted at the unit responsible, rolled up the hierarchy as it stood.
#}
with leaf as (
    select
        org_code,
        received_date as activity_date,
        complaint_class,
        count(*) as complaints_received,
        count(case when is_closed_on_time then 1 end) as closed_on_time
    from {{ ref('fct_complaints') }}
    group by org_code, received_date, complaint_class
),

rolled as (
    {{ org_month_rollup('leaf', ['complaints_received', 'closed_on_time'], keys=['complaint_class']) }}
)

select
    org_code,
    org_name,
    org_level,
    period_month,
    month_start,
    complaint_class,
    complaints_received,
    closed_on_time
from rolled
