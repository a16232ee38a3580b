-- 渠道 Complaint and service channels for BI readers: the conformed dimension, published.
select * from {{ ref('dim_channel') }}
