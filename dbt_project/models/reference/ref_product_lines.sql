-- 险种 The lines of business the policies name, with how many policies each holds.
select
    product_line,
    count(*) as policies
from {{ ref('fct_policies') }}
group by product_line
