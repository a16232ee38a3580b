-- Service-quality weights (000 §4.1) must add to 100% in every version and line of business.
select
    weight_version,
    line_of_business,
    sum(weight) as weight_total
from {{ ref('sq_weights') }}
group by weight_version, line_of_business
having abs(sum(weight) - 1) > 0.00001
