-- 考核规则 The quarterly assessment's rules for BI readers and the scorecard: every version of
-- assessment_rules (targets, thresholds, bonus float, minimum bases), as the committee set them.
select
    rule_version,
    effective_from,
    effective_to,
    cast(complaint_rate_target as double) as complaint_rate_target,
    cast(rate_margin_up as double) as rate_margin_up,
    cast(rate_margin_down as double) as rate_margin_down,
    cast(timeliness_up_min as double) as timeliness_up_min,
    cast(timeliness_down_below as double) as timeliness_down_below,
    cast(satisfaction_up_min as double) as satisfaction_up_min,
    cast(satisfaction_down_below as double) as satisfaction_down_below,
    down_when,
    cast(bonus_up_pct as double) as bonus_up_pct,
    cast(bonus_down_pct as double) as bonus_down_pct,
    cast(training_min_complaints as bigint) as training_min_complaints,
    cast(training_class_share as double) as training_class_share,
    cast(min_policies as bigint) as min_policies,
    cast(min_complaints as bigint) as min_complaints,
    cast(min_respondents as bigint) as min_respondents,
    cast(interval_z as double) as interval_z,
    small_sample_rule,
    source
from {{ ref('assessment_rules') }}
