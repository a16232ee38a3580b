"""KPIs computed straight from the landing CSV files with pandas, sharing no code or SQL
with the warehouse: org roll-up by walking parent codes, deadlines by counting
chinesecalendar working days, closure from the last status event. Only the business rules
(deadline days, satisfied answers, rating points, weights, grade bands) are read from the
seed files, since they are the configuration under test."""
from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import chinese_calendar
import pandas as pd

from kefu.contracts import contract
from kefu.workspace import SEEDS_DIR

SEEDS = SEEDS_DIR


def delivered(landing: Path, entity: str) -> pd.DataFrame:
    """Every record of every file of an extract, in file-name (delivery) order."""
    frames = []
    for path in sorted((landing / entity).glob("*.csv")):
        raw = path.read_bytes()
        encoding = "utf-8" if _is_utf8(raw) else "gbk"
        frames.append(pd.read_csv(path, encoding=encoding, dtype=str, keep_default_na=False))
    return pd.concat(frames, ignore_index=True)


def extract(landing: Path, entity: str) -> pd.DataFrame:
    """The extract's current rows: where a later file re-delivers a key, its row replaces the earlier."""
    rows = delivered(landing, entity)
    return rows.drop_duplicates(subset=list(contract(entity).grain), keep="last").reset_index(drop=True)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _rollup(df: pd.DataFrame, orgs: pd.DataFrame) -> pd.DataFrame:
    """Repeat each row once for its own unit and each unit above it."""
    parent = dict(zip(orgs.org_code, orgs.parent_code))
    pairs = []
    for code in orgs.org_code:
        node = code
        while node:
            pairs.append((code, node))
            node = parent.get(node) or None
    bridge = pd.DataFrame(pairs, columns=["org_code", "ancestor"])
    return df.merge(bridge, on="org_code").drop(columns="org_code").rename(columns={"ancestor": "org_code"})


def _months(values: pd.Series) -> list[str]:
    first, last = pd.Period(values.min(), "M"), pd.Period(values.max(), "M")
    return [str(p) for p in pd.period_range(first, last, freq="M")]


def _spine(orgs: pd.DataFrame, months: list[str], **keys) -> pd.DataFrame:
    spine = pd.MultiIndex.from_product([orgs.org_code, months, *keys.values()],
                                       names=["org_code", "period_month", *keys]).to_frame(index=False)
    return spine


def _count(df, orgs, months, by=(), **sums) -> pd.DataFrame:
    rolled = _rollup(df, orgs)
    keys = ["org_code", "period_month", *by]
    agg = rolled.groupby(keys).agg(**sums).reset_index() if len(rolled) else pd.DataFrame(columns=keys)
    spine = _spine(orgs, months, **{k: sorted(df[k].unique()) for k in by})
    out = spine.merge(agg, on=keys, how="left").fillna(0)
    return out


@cache
def _nth_working_day_after(day: dt.date, n: int) -> dt.date:
    counted = 0
    while counted < n:
        day += dt.timedelta(days=1)
        counted += chinese_calendar.is_workday(day)
    return day


def complaint_rate(landing: Path) -> pd.DataFrame:
    orgs = extract(landing, "org_units")
    complaints = extract(landing, "complaints").assign(period_month=lambda d: d.received_at.str[:7], n=1)
    policies = extract(landing, "policies").assign(
        period_month=lambda d: d.underwritten_on.str[:7].str.replace("/", "-"), n=1)
    months = _months(pd.concat([complaints.period_month, policies.period_month]))
    num = _count(complaints[["org_code", "period_month", "n"]], orgs, months, numerator=("n", "sum"))
    den = _count(policies[["org_code", "period_month", "n"]], orgs, months, denominator=("n", "sum"))
    out = num.merge(den, on=["org_code", "period_month"])
    return out.assign(rate=out.numerator / out.denominator.where(out.denominator > 0))


def closure(landing: Path) -> pd.DataFrame:
    """Per complaint: received date, deadline, final closure date (None while open)."""
    complaints = extract(landing, "complaints")
    events = extract(landing, "complaint_events").assign(event_seq=lambda d: d.event_seq.astype(int))
    last = events.sort_values(["complaint_id", "event_seq"]).groupby("complaint_id").tail(1)
    closed = last[last.event_type == "closed"].set_index("complaint_id").event_at.str[:10]
    rules = pd.read_csv(SEEDS / "complaint_deadlines.csv").query("stage == 'close' and calendar == 'cn_workdays'")
    days = dict(zip(rules.complaint_class, rules.days))
    received = pd.to_datetime(complaints.received_at).dt.date
    deadline = [_nth_working_day_after(r, int(days[c])) for r, c in zip(received, complaints.complaint_class)]
    return complaints.assign(received_date=received, deadline=deadline,
                             closed_date=complaints.complaint_id.map(closed).map(
                                 lambda s: dt.date.fromisoformat(s) if isinstance(s, str) else None))


def complaint_timeliness(landing: Path) -> pd.DataFrame:
    orgs = extract(landing, "org_units")
    c = closure(landing)
    c = c.assign(period_month=c.received_at.str[:7], n=1,
                 on_time=[int(cd is not None and cd <= d) for cd, d in zip(c.closed_date, c.deadline)])
    months = _months(c.period_month)
    out = _count(c[["org_code", "period_month", "n", "on_time"]], orgs, months,
                 numerator=("on_time", "sum"), denominator=("n", "sum"))
    return out.assign(rate=out.numerator / out.denominator.where(out.denominator > 0))


def satisfaction(landing: Path) -> pd.DataFrame:
    orgs = extract(landing, "org_units")
    answers = pd.read_csv(SEEDS / "satisfaction_answers.csv")
    satisfied_answers = set(answers[answers.is_satisfied].answer)
    s = extract(landing, "survey_responses")
    reached = s.contact_result == "reached"
    s = s.assign(period_month=s.surveyed_at.str[:7], reached=reached.astype(int),
                 satisfied=(reached & s.overall.isin(satisfied_answers)).astype(int))
    months = _months(s.period_month)
    out = _count(s[["org_code", "period_month", "survey_type", "reached", "satisfied"]], orgs, months,
                 by=("survey_type",), numerator=("satisfied", "sum"), denominator=("reached", "sum"))
    return out.assign(rate=out.numerator / out.denominator.where(out.denominator > 0))


def service_quality_score(landing: Path) -> pd.DataFrame:
    orgs = extract(landing, "org_units")
    scale = pd.read_csv(SEEDS / "sq_rating_scale.csv")
    weights = pd.read_csv(SEEDS / "sq_weights.csv")
    weights = dict(zip(weights.dimension_code, weights.weight))
    bands = pd.read_csv(SEEDS / "grade_bands.csv")
    s = extract(landing, "survey_responses")
    long = s.melt(id_vars=["org_code", "surveyed_at"], value_vars=list(weights),
                  var_name="dimension_code", value_name="rating")
    long = long[long.rating != ""].merge(scale, on="rating").assign(
        period_month=lambda d: d.surveyed_at.str[:7], n=1)
    months = _months(long.period_month)
    dims = _count(long[["org_code", "period_month", "dimension_code", "points", "max_points", "n"]], orgs, months,
                  by=("dimension_code",), points=("points", "sum"), max_points=("max_points", "sum"),
                  ratings=("n", "sum"))
    dims = dims.assign(contribution=100 * dims.dimension_code.map(weights) * dims.points
                       / dims.max_points.where(dims.max_points > 0))
    score = dims.groupby(["org_code", "period_month"]).agg(
        rated=("ratings", lambda r: int((r > 0).sum())), score=("contribution", "sum")).reset_index()
    score["score"] = score.score.round(6)  # the mart's documented rounding before banding
    score.loc[score.rated < len(weights), "score"] = None

    def grade(value):
        if pd.isna(value):
            return None
        hit = bands[(bands.min_score <= value) & (bands.below_score.isna() | (value < bands.below_score))]
        return hit.grade.iloc[0]

    return score.assign(grade=score.score.map(grade))


def assessment(landing: Path) -> pd.DataFrame:
    """003 §6 quarterly assessment from the monthly figures above and the rules seed."""
    def quarter(d: pd.DataFrame) -> pd.DataFrame:
        month = d.period_month.str[5:7].astype(int)
        return d.assign(period_quarter=d.period_month.str[:4] + "-Q" + ((month - 1) // 3 + 1).astype(str))

    keys = ["org_code", "period_quarter"]
    rate = quarter(complaint_rate(landing)).groupby(keys).agg(
        months=("period_month", "nunique"), complaints=("numerator", "sum"), policies=("denominator", "sum"))
    on_time = quarter(complaint_timeliness(landing)).groupby(keys)[["numerator", "denominator"]].sum()
    sat = satisfaction(landing).query("survey_type == 'complaint_callback'")
    sat = quarter(sat).groupby(keys)[["numerator", "denominator"]].sum()
    q = rate.join(on_time.add_prefix("t_")).join(sat.add_prefix("s_")).fillna(0).reset_index()
    ratio = lambda a, b: (a / b.where(b > 0)).round(9)  # noqa: E731
    q = q.assign(complaint_rate=ratio(q.complaints, q.policies), timeliness_rate=ratio(q.t_numerator, q.t_denominator),
                 satisfaction_rate=ratio(q.s_numerator, q.s_denominator))
    [rule] = pd.read_csv(SEEDS / "assessment_rules.csv").to_dict("records")  # one version in force
    up = ((q.complaint_rate <= round(rule["complaint_rate_target"] - rule["rate_margin_up"], 9))
          & (q.timeliness_rate >= rule["timeliness_up_min"]) & (q.satisfaction_rate >= rule["satisfaction_up_min"]))
    misses = [q.complaint_rate >= round(rule["complaint_rate_target"] + rule["rate_margin_down"], 9),
              q.timeliness_rate < rule["timeliness_down_below"], q.satisfaction_rate < rule["satisfaction_down_below"]]
    down = (misses[0] & misses[1] & misses[2]) if rule["down_when"] == "all" else (misses[0] | misses[1] | misses[2])
    unknown = q[["complaint_rate", "timeliness_rate", "satisfaction_rate"]].isna().any(axis=1)
    q["assessment"] = "steady"
    q.loc[down, "assessment"] = "down"
    q.loc[up, "assessment"] = "up"
    q.loc[unknown, "assessment"] = "not_assessed: a KPI has no denominator"
    q.loc[q.months < 3, "assessment"] = "not_assessed: partial quarter"
    q["bonus_float_pct"] = q.assessment.map({"up": rule["bonus_up_pct"], "down": -rule["bonus_down_pct"], "steady": 0})

    complaints = extract(landing, "complaints").assign(period_month=lambda d: d.received_at.str[:7], n=1)
    by_class = quarter(_rollup(complaints[["org_code", "period_month", "complaint_class", "n"]],
                               extract(landing, "org_units")))
    counts = by_class.groupby(keys + ["complaint_class"]).n.sum().reset_index()
    counts = counts.sort_values(keys + ["n", "complaint_class"], ascending=[True, True, False, True])
    top = counts.groupby(keys).head(1).merge(counts.groupby(keys).n.sum().rename("total").reset_index(), on=keys)
    top = top.assign(training_needed=(top.total >= rule["training_min_complaints"])
                     & ((top.n / top.total).round(9) >= rule["training_class_share"]))
    q = q.merge(top[keys + ["complaint_class", "training_needed"]], on=keys, how="left")
    return q.rename(columns={"complaint_class": "top_complaint_class"}).assign(
        training_needed=lambda d: d.training_needed.astype("boolean").fillna(False).astype(bool))
