"""The rule seeds themselves: loadable on every engine, and versioned by effective date."""

import csv

import pytest

from kefu.workspace import SEEDS_DIR

# rules a business person may change: each version says from when (and until when) it holds
VERSIONED = [
    "complaint_deadlines",
    "regulator_complaint_deadlines",
    "service_commitments",
    "new_policy_callback_scope",
    "counter_standards",
    "hotline_standards",
    "complaint_archive_rules",
    "satisfaction_answers",
    "sq_weights",
    "sq_source_weights",
    "grade_bands",
    "assessment_rules",
    "department_targets",
    "merit_rules",
    "repeat_complaint_rules",
    "reference_thresholds",
    "settlement_rules",
]


def rows(name: str) -> list[dict]:
    with open(SEEDS_DIR / f"{name}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("path", sorted(SEEDS_DIR.glob("*.csv")), ids=lambda p: p.stem)
def test_no_cell_has_a_single_quote(path):
    """dbt-spark loads seeds with INSERT statements it does not escape: an apostrophe breaks
    the load on Spark (only there), so the texts avoid it."""
    assert "'" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", VERSIONED)
def test_rule_seeds_are_versioned_by_effective_date(name):
    found = rows(name)
    assert found and {"effective_from", "effective_to"} <= set(found[0])
    assert all(r["effective_from"] for r in found)
    assert all(not r["effective_to"] or r["effective_to"] >= r["effective_from"] for r in found)


def _is_workday(day, exceptions: dict) -> bool:
    kind = exceptions.get(day.isoformat())
    return kind == "makeup_workday" if kind else day.weekday() < 5


def test_no_company_close_deadline_runs_past_the_regulators():
    """#9 §1: a complaint closed by the company's deadline must also be within the regulator's
    base deadline (15 calendar days, CBIRC order 2020 No. 3), or the company's rule would credit
    complaints the law calls late. For every company close rule in force since the regulation
    and governed by it (complaints_under), the longest calendar span its working days can take
    on the calendar seed (e.g. 5 working days from Fri 2023-09-22 over 中秋/国庆: 15 days)."""
    import datetime as dt

    [base] = [r for r in rows("regulator_complaint_deadlines") if r["tier"] == "base"]
    limit, since = int(base["days"]), dt.date.fromisoformat(base["effective_from"])
    exceptions = {r["date_day"]: r["day_type"] for r in rows("cn_calendar_days")}
    last = dt.date.fromisoformat(max(exceptions))
    spans = {}
    for rule in rows("complaint_deadlines"):
        ends = dt.date.fromisoformat(rule["effective_to"]) if rule["effective_to"] else last
        if rule["stage"] != "close" or ends < since or rule["calendar"] != base["complaints_under"]:
            continue
        days, start, worst = int(rule["days"]), max(since, dt.date.fromisoformat(rule["effective_from"])), 0
        while start <= min(ends, last):
            reached, day = 0, start
            while reached < days:
                day += dt.timedelta(days=1)
                reached += _is_workday(day, exceptions)
            worst, start = max(worst, (day - start).days), start + dt.timedelta(days=1)
        spans[f"{rule['rule_version']} {rule['complaint_class']} ({days} working days)"] = worst
    assert spans, "no company close rule is governed by the regulator's"
    assert all(span <= limit for span in spans.values()), {k: v for k, v in spans.items() if v > limit}
