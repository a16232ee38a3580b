-- 渠道 Complaint and service channels, as the rules name them.
select
    channel_code,
    channel_name_zh,
    channel_name_en,
    channel_group
from {{ ref('channels') }}
