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
    "satisfaction_answers",
    "sq_weights",
    "grade_bands",
    "assessment_rules",
    "repeat_complaint_rules",
    "reference_thresholds",
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
