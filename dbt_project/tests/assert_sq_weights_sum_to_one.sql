-- Service-quality weights (000 §4.1) must add to 100% in every version and line of business,
-- and the sources of each dimension (000 §4.3) to 100% in every version.
select
    'sq_weights' as seed,
    weight_version,
    line_of_business as weighted,
    sum(weight) as weight_total
from {{ ref('sq_weights') }}
group by weight_version, line_of_business
having abs(sum(weight) - 1) > 0.00001
union all
select
    'sq_source_weights',
    weight_version,
    dimension_code,
    sum(weight)
from {{ ref('sq_source_weights') }}
group by weight_version, dimension_code
having abs(sum(weight) - 1) > 0.00001
