-- 投诉分类 Complaint classes of both schemes (003 §3.2 and 001 §7), as the rules name them.
select
    scheme,
    class_code,
    name_zh,
    name_en,
    source
from {{ ref('complaint_classes') }}
