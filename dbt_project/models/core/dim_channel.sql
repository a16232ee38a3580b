-- Complaint and service channels (hotline 热线, online, letter, visit, e-mail, regulator, counter 柜面).
select
    channel_code,
    channel_name_zh,
    channel_name_en,
    channel_group
from {{ ref('channels') }}
