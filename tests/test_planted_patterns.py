"""The generator plants known patterns (kefu.synthetic; _planted.json beside the extracts),
and the marts must find exactly them: a unit with a stated number of late complaints in a
month, new life policies never called back, claims decided late, and a unit whose ratings
make the 2026 weight change visible (its score computed by hand from the weights seed) and
whose sources disagree on a dimension (weighted by the source weights seed)."""

import duckdb
import pandas as pd
import pytest

from kefu.generate import planted
from tests.independent import extract, seed


def row(ws, table: str, org: str, month: str, **keys) -> dict:
    where = " and ".join(["org_code = $org", "period_month = $month", *(f"{k} = ${k}" for k in keys)])
    with duckdb.connect(str(ws.published_file), read_only=True) as con:
        found = con.execute(f"select * from {table} where {where}", {"org": org, "month": month, **keys}).df()
    assert len(found) == 1, (table, org, month)
    return found.iloc[0].to_dict()


def test_exactly_the_planted_late_complaints(built):
    plant = planted(built.landing)["late_complaints"]
    found = row(built, "kpi_complaint_timeliness", plant["org_code"], plant["period_month"])
    assert plant["late"] >= 1 and plant["on_time"] >= 1
    assert (found["denominator"], found["numerator"], found["closed_late"], found["still_open"]) == (
        plant["received"],
        plant["on_time"],
        plant["late"],
        0,
    )


def test_exactly_the_planted_untold_decisions(built):
    """Closed within hours, but three without telling the complainant the decision: on time by
    the company's deadline, late by the regulator's, so not handled on time (the stricter)."""
    plant = planted(built.landing)["untold_decisions"]
    found = row(built, "kpi_complaint_timeliness", plant["org_code"], plant["period_month"])
    assert plant["handled_on_time"] < plant["company_on_time"] == plant["received"]
    assert (found["denominator"], found["company_on_time"], found["numerator"], found["regulator_on_time"]) == (
        plant["received"],
        plant["company_on_time"],
        plant["handled_on_time"],
        plant["handled_on_time"],
    )


def test_exactly_the_planted_department_complaints(built):
    """2026-04's complaints at the planted outlet: the three whose decision was never told are
    customer service's, the others underwriting and claims'; no other department has one."""
    plant = planted(built.landing)["department_complaints"]
    for department in ("sales", "customer_service", "underwriting_claims", "operations", "unassigned"):
        found = row(
            built, "kpi_complaints_by_department", plant["org_code"], plant["period_month"], department_code=department
        )
        expected = plant.get(department, {"received": 0, "handled_on_time": 0})
        assert (found["complaints_received"], found["handled_on_time"]) == (
            expected["received"],
            expected["handled_on_time"],
        ), department


def test_exactly_the_planted_missing_callbacks(built):
    plant = planted(built.landing)["missing_callbacks"]
    found = row(built, "kpi_new_policy_callbacks", plant["org_code"], plant["period_month"])
    assert (found["denominator"], found["not_reached"], found["numerator"]) == (
        plant["policies_in_scope"],
        plant["never_called_back"],
        plant["policies_in_scope"] - plant["never_called_back"],
    )


def test_exactly_the_planted_late_claims(built):
    plant = planted(built.landing)["late_claims"]
    found = row(built, "kpi_claim_timeliness", plant["org_code"], plant["period_month"])
    assert (found["denominator"], found["decided_late"], found["numerator"]) == (
        plant["in_commitment"],
        plant["decided_late"],
        plant["in_commitment"] - plant["decided_late"],
    )


@pytest.mark.parametrize("month", ["2025-12", "2026-01"])
def test_the_weight_change_shows_in_the_planted_unit(built, month):
    """Attitude rated 差 (1 of 5 points), everything else 优秀: score = 100 × (1 − 0.8 × the
    attitude weight in force), graded by the bands seed."""
    plant = planted(built.landing)["weight_change"]
    weights = seed("sq_weights")
    company = weights[
        (weights.line_of_business == "all")
        & (weights.effective_from <= f"{month}-01")
        & (weights.effective_to.replace("", "9999-12-31") >= f"{month}-01")
    ]
    attitude = float(company.set_index("dimension_code").weight["attitude"])
    expected = round(100 * (1 - 0.8 * attitude), 6)
    bands = seed("grade_bands")
    bands = bands[
        (bands.effective_from <= f"{month}-01") & (bands.effective_to.replace("", "9999-12-31") >= f"{month}-01")
    ]
    bands = bands.assign(min_score=bands.min_score.astype(float))
    grade = bands[
        (bands.min_score <= expected) & ((bands.below_score == "") | (expected < pd.to_numeric(bands.below_score)))
    ].grade.iloc[0]
    found = row(built, "kpi_service_quality_score", plant["org_code"], month)
    assert (round(found["score"], 6), found["grade"], found["weight_version"]) == (
        expected,
        grade,
        company.weight_version.iloc[0],
    )


def test_the_two_planted_months_straddle_a_weight_change(built):
    months = planted(built.landing)["weight_change"]["months"]
    versions = {row(built, "kpi_service_quality_score", "P02C01X1W1", m)["weight_version"] for m in months}
    assert len(versions) == 2  # so the test above checks two versions, not one twice


def test_the_planted_sources_count_by_their_weights_not_their_ratings(built):
    """February: the survey rates attitude 优秀 (1), the inspections 差 (1 of 5 points): the
    dimension's rate is Σ weight × rate ÷ Σ weight over the sources that rated it."""
    plant = planted(built.landing)["source_weights"]
    org, month = plant["org_code"], plant["month"]
    inspections = extract(built.landing, "quality_inspections")
    kinds = set(
        inspections[(inspections.org_code == org) & inspections.inspected_at.str.startswith(month)].inspection_type
    )
    surveys = extract(built.landing, "survey_responses")
    surveyed = ((surveys.org_code == org) & surveys.surveyed_at.str.startswith(month) & (surveys.attitude != "")).any()
    assert surveyed and "mystery_shopper" in kinds  # both sides of the plant are there
    weights = seed("sq_source_weights")
    weights = weights[
        (weights.dimension_code == "attitude")
        & (weights.effective_from <= f"{month}-01")
        & (weights.effective_to.replace("", "9999-12-31") >= f"{month}-01")
    ]
    weight = dict(zip(weights.rating_source, weights.weight.astype(float)))
    rate = {"survey": 1.0, **dict.fromkeys(kinds, 0.2)}
    expected = sum(weight[k] * r for k, r in rate.items()) / sum(weight[k] for k in rate)
    found = row(built, "kpi_service_quality_dimensions", org, month, dimension_code="attitude")
    assert found["weighted_rate"] == pytest.approx(expected, abs=1e-12)
    assert found["source_weight_rated"] == pytest.approx(sum(weight[k] for k in rate), abs=1e-12)
    assert abs(found["rate"] - expected) > 0.05  # pooled by count, the figure differs


def test_exactly_the_planted_second_complaints(built):
    """May: three complaints at the planted outlet are second complaints of complaints closed
    in April (no other complaint of the outlet that month is one): each counts in May."""
    plant = planted(built.landing)["second_complaints"]
    found = row(built, "kpi_second_complaints", plant["org_code"], plant["period_month"])
    assert plant["second"] == 3 and found["numerator"] == plant["second"]
