"""An auditor's trace: the records behind a KPI value add up to exactly its numerator and
denominator (for every row of every traced mart), and each record's source file and row
point at the landing row it came from."""

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from kefu.trace import _inert, resolve_kpi, trace, trace_assessment, traceable, traced_totals
from tests.independent import seed

KEFU = str(Path(sys.executable).parent / "kefu")
RATING_SOURCES = ("survey", "call", "counter", "mystery_shopper")


@pytest.mark.parametrize("mart", list(traceable()))
def test_the_records_add_up_to_every_row_of_the_mart(built, mart):
    totals = traced_totals(built, mart)
    assert len(totals) > 50 and totals.denominator.sum() > 0
    wrong = totals[(totals.numerator != totals.traced_numerator) | (totals.denominator != totals.traced_denominator)]
    assert wrong.empty, wrong.head()


def test_each_record_points_at_its_landing_row(built):
    found = trace(built, "投诉率", "HQ", "2026-03")
    assert found.records.numerator_value.sum() == found.numerator > 0
    assert found.records.denominator_value.sum() == found.denominator > 0
    for path, rows in found.records.groupby("source_file"):
        text = Path(path).read_bytes().decode("utf-8")
        records = list(csv.reader(io.StringIO(text)))  # record 1 is the header, as source_row counts
        for record_id, row in zip(rows.record_id, rows.source_row):
            assert records[row - 1][0] == record_id, (path, row)


def test_a_stage_and_a_score_trace_to_their_records(built):
    stage = trace(built, "投诉处理各环节及时率", "HQ", "2026-03", {"stage": "contact"})
    assert (stage.records.numerator_value.sum(), stage.records.denominator_value.sum()) == (
        stage.numerator,
        stage.denominator,
    ) and stage.denominator > 0
    score = trace(built, "service_quality_score", "P02C01X1W1", "2026-01")
    assert set(score.records.record_type) <= {f"rating: {kind}" for kind in RATING_SOURCES}
    assert score.records.denominator_value.sum() == score.denominator
    assert "they add up" in score.describe()


def test_a_dimension_weighs_its_sources_as_the_seed_says(built):
    """Recomputed from the traced records, source by source, with the weights of the seed."""
    found = trace(built, "service_quality_dimensions", "HQ", "2026-03", {"dimension_code": "attitude"})
    weights = seed("sq_source_weights")
    weights = weights[
        (weights.dimension_code == "attitude")
        & (weights.effective_from <= "2026-03-01")
        & (weights.effective_to.replace("", "9999-12-31") >= "2026-03-01")
    ].set_index("rating_source")
    by_source = found.records.groupby("record_type")[["numerator_value", "denominator_value"]].sum()
    rated = {kind.removeprefix("rating: "): n / d for kind, (n, d) in by_source.iterrows()}
    weight = {kind: float(weights.weight[kind]) for kind in rated}
    expected = sum(weight[kind] * rate for kind, rate in rated.items()) / sum(weight.values())
    assert len(rated) >= 3 and found.rate == pytest.approx(expected, abs=1e-12)
    assert abs(found.rate - found.numerator / found.denominator) > 1e-6  # pooling by count would differ
    assert re.search(r"^  by source    call .*; survey \d+ of \d+", found.describe(), re.M)


def test_a_quarter_sums_its_months_and_an_assessment_traces_to_its_rule_and_records(built, tmp_path):
    months = [trace(built, "投诉率", "HQ", f"2026-0{m}") for m in (1, 2, 3)]
    quarter = trace(built, "投诉率", "HQ", "2026-Q1")
    assert (quarter.numerator, quarter.denominator) == (
        sum(m.numerator for m in months),
        sum(m.denominator for m in months),
    )
    assert len(quarter.records) == sum(len(m.records) for m in months)
    with pytest.raises(ValueError, match="weighted score per month"):
        trace(built, "service_quality_score", "HQ", "2026-Q1")

    found = trace_assessment(built, "P01", "2026-Q1")
    assert found.adds_up and found.rules["rule_version"] == found.assessment["rule_version"]
    with duckdb.connect(str(built.published_file), read_only=True) as con:
        [(partial,)] = con.execute(
            "select min(period_quarter) from kpi_assessment_quarterly where org_code = 'P01' and bonus_float_pct is null"
        ).fetchall()
    unjudged = trace_assessment(built, "P01", partial).describe()  # a quarter not assessed moves no money
    assert "bonus float —; promotion —" in unjudged and "nan" not in unjudged
    assert [p.mart for p in found.parts] == ["kpi_complaint_rate", "kpi_complaint_timeliness", "kpi_satisfaction"]
    assert found.parts[2].keys == {"survey_type": "complaint_callback"}
    out = tmp_path / "assessment.xlsx"
    done = subprocess.run(
        [KEFU, "trace", "投诉考核结果", "--org", "P01", "--period", "2026-Q1", "--out", str(out)],
        env={"KEFU_HOME": str(built.home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "003 §6" in done.stdout and "they add up" in done.stdout and found.assessment["rule_version"] in done.stdout
    # how much evidence judged it: the rule for small samples, each rate's interval and basis
    assert f"judged by '{found.rules['small_sample_rule']}'" in done.stdout
    assert f"judged on: {found.assessment['timeliness_basis']}" in done.stdout and "95% Wilson interval" in done.stdout
    assert re.search(r"complaint_rate +\S+ \(95% Poisson score interval", done.stdout), done.stdout
    records = pd.read_excel(out, sheet_name="records")
    assert set(records.kpi) == {"投诉率", "投诉处理及时率", "客户满意度"}
    assert len(records) == sum(len(p.records) for p in found.parts)


def test_kefu_trace_writes_a_working_paper(built, tmp_path):
    out = tmp_path / "paper.xlsx"
    done = subprocess.run(
        [KEFU, "trace", "投诉处理及时率", "--org", "HQ", "--period", "2026-03", "--out", str(out)],
        env={"KEFU_HOME": str(built.home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "投诉处理及时率" in done.stdout and "003 §5.2" in done.stdout and "they add up" in done.stdout
    assert "wrote the working paper" in done.stdout
    summary = pd.read_excel(out, sheet_name="summary")
    records = pd.read_excel(out, sheet_name="records")
    numerator = int(summary.set_index("item").value["numerator"])
    assert records.numerator_value.sum() == numerator
    assert len(records) == records.denominator_value.sum() == int(summary.set_index("item").value["denominator"])
    csv_out = tmp_path / "paper.csv"
    trace(built, "complaint_timeliness", "HQ", "2026-03").write(csv_out)
    assert csv_out.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese


def test_unknown_kpi_or_missing_key_is_explained(built):
    with pytest.raises(KeyError, match=r"traceable: .*complaint_rate \(投诉率\)"):
        trace(built, "nps", "HQ", "2026-03")
    with pytest.raises(KeyError, match="kpi_unit_ranking is not traced: ranks of other marts' figures"):
        resolve_kpi("unit_ranking")
    with pytest.raises(ValueError, match="--key survey_type="):
        trace(built, "客户满意度", "HQ", "2026-03")
    with pytest.raises(ValueError, match="channel is not one of its keys"):
        trace(built, "投诉处理及时率", "HQ", "2026-03", {"channel": "hotline"})
    with pytest.raises(LookupError, match="no row for unit NOPE"):
        trace(built, "投诉率", "NOPE", "2026-03")


def test_cells_that_a_spreadsheet_would_run_are_escaped():
    assert _inert("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert _inert("TS0001") == "TS0001" and _inert(7) == 7


def test_an_inspection_sample_is_reproducible_and_stays_in_its_unit_and_period(built):
    from kefu.periods import period_months
    from kefu.sample import sample_complaints

    first = sample_complaints(built, "P01", "2026-Q1", n=10)
    assert len(first) == 10
    pd.testing.assert_frame_equal(first, sample_complaints(built, "P01", "2026-Q1", n=10))
    assert set(first.complaint_id) != set(sample_complaints(built, "P01", "2026-Q1", n=10, seed=2).complaint_id)
    assert first.received_at.between(pd.Timestamp("2026-01-01"), pd.Timestamp("2026-04-01")).all()
    assert first.org_code.str.startswith("P01").all()  # P01 and the units below it
    assert {"source_file", "source_row", "deadline_date", "is_closed_on_time", "missing_stages"} <= set(first.columns)
    assert [str(d) for d in period_months("2026-Q4")] == ["2026-10-01", "2027-01-01"]
    with pytest.raises(ValueError, match="YYYY-MM, YYYY-Qn or YYYY"):
        period_months("Q3/2026")
