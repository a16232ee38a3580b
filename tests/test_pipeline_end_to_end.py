"""The whole pipeline on a small generated set (built once by the Dagster job), every KPI
value compared with a figure computed independently from the raw landing files."""

import json
import re

import duckdb
import pandas as pd
import pytest

from kefu.contracts import contracts
from kefu.marts import mart_grain
from kefu.quality import validations
from kefu.summary import kpi_summary
from tests import independent


def mart(ws, table: str) -> pd.DataFrame:
    con = duckdb.connect(str(ws.published_file), read_only=True)
    try:
        return con.execute(f"select * from {table}").df()
    finally:
        con.close()


def assert_rates_match(actual: pd.DataFrame, expected: pd.DataFrame, keys: list[str]):
    merged = actual.merge(expected, on=keys, how="outer", suffixes=("", "_expected"), indicator=True)
    assert (merged._merge == "both").all(), merged[merged._merge != "both"][keys].head()
    assert (merged.numerator == merged.numerator_expected).all()
    assert (merged.denominator == merged.denominator_expected).all()
    both_null = merged.rate.isna() & merged.rate_expected.isna()
    close = (merged.rate - merged.rate_expected).abs() < 1e-9
    assert (both_null | close).all(), merged[~(both_null | close)][keys + ["rate", "rate_expected"]].head()


def test_complaint_timeliness_matches_raw_extracts(built):
    expected = independent.complaint_timeliness(built.landing)
    actual = mart(built, "kpi_complaint_timeliness")
    assert_rates_match(actual, expected, ["org_code", "period_month"])
    merged = actual.merge(expected, on=["org_code", "period_month"], suffixes=("", "_expected"))
    assert (merged.regulator_on_time == merged.regulator_on_time_expected).all()
    assert (merged.company_on_time == merged.company_on_time_expected).all()
    # judged by the stricter deadline: never above either deadline alone, and below the company's
    # somewhere in the sample (complaints closed in time, decided after the regulator's 15 days)
    assert (merged.numerator <= merged[["company_on_time", "regulator_on_time"]].min(axis=1)).all()
    head = merged[merged.org_level == 1]
    assert (head.numerator < head.company_on_time).any()
    # the sample is not trivial: some complaints are late, some on time, some extended
    head = actual[actual.org_level == 1]
    assert 0 < head.numerator.sum() < head.denominator.sum()
    assert 0 < head.regulator_on_time.sum() < head.denominator.sum() and head.extended.sum() > 0


@pytest.mark.parametrize("table", list(independent.RATES))
def test_every_rate_matches_raw_extracts(built, table):
    """Each rate mart row for row (its grain, with period_month for month_start) against
    tests/independent.py: numerator, denominator and rate."""
    keys = ["period_month" if c == "month_start" else c for c in mart_grain()[table]]
    expected = independent.RATES[table](built.landing)
    actual = mart(built, table)
    assert len(actual) == len(expected) > 0
    assert_rates_match(actual, expected, keys)
    head = actual[actual.org_level == 1]
    assert head.numerator.sum() > 0 and head.denominator.sum() > 0  # the sample exercises the KPI


def test_the_regulators_forms_are_on_its_bases_from_raw_extracts(built):
    """亿元保费, 万张保单 and 万人次 forms of 投诉率 on premium income, policies in force and
    persons insured at the month's end (policy_book), not on the month's new policies."""
    keys = ["org_code", "period_month"]
    expected = independent.regulator_forms(built.landing).set_index(keys).sort_index()
    actual = mart(built, "kpi_complaint_rate").set_index(keys).sort_index()
    assert actual.index.equals(expected.index)
    pd.testing.assert_frame_equal(
        actual[["policies_in_force", "insured_in_force"]],
        expected[["policies_in_force", "insured_in_force"]],
        check_dtype=False,
    )
    forms = [
        "premium_income",
        "complaints_per_100m_premium",
        "complaints_per_10k_policies",
        "complaints_per_10k_insured",
    ]
    pd.testing.assert_frame_equal(actual[forms].astype(float), expected[forms], rtol=1e-9)
    # a life insurer near the regulator's medians for 2021 Q1 (0.26 per 万张, 1.43 per 亿元 a quarter)
    head = actual[actual.org_level == 1]
    quarterly = head.numerator.sum() / len(head) * 3
    assert 0.1 < quarterly * 1e4 / head.policies_in_force.mean() < 0.6
    assert 0.5 < quarterly * 1e8 / (head.premium_income.astype(float).mean() * 3) < 3


def test_hotline_abandoned_and_out_of_hours_calls_match_raw_extracts(built):
    keys = ["org_code", "period_month"]
    expected = independent.hotline_service_level(built.landing).set_index(keys).sort_index()
    actual = mart(built, "kpi_hotline_service_level").set_index(keys).sort_index()
    columns = ["abandoned", "out_of_hours_calls", "out_of_hours_answered_in_time"]
    pd.testing.assert_frame_equal(actual[columns], expected[columns], check_dtype=False)
    head = actual[actual.org_level == 1]
    assert head.abandoned.sum() > 0 and 0 < head.out_of_hours_answered_in_time.sum() < head.out_of_hours_calls.sum()


def test_complaint_outcomes_and_archiving_match_raw_extracts(built):
    keys = ["org_code", "period_month", "complaint_class"]
    expected = independent.complaint_outcomes(built.landing).set_index(keys).sort_index()
    actual = mart(built, "kpi_complaint_outcomes").set_index(keys).sort_index()
    columns = ["upheld", "partly_upheld", "not_upheld", "complaints_closed", "archived_in_time"]
    pd.testing.assert_frame_equal(actual[columns], expected[columns], check_dtype=False)
    assert ((actual.compensation.astype(float) - expected.compensation).abs() < 0.005).all()
    head = actual[actual.org_level == 1]
    assert 0 < head.archived_in_time.sum() < head.complaints_closed.sum() and head.compensation.sum() > 0


def test_hotspots_match_raw_extracts(built):
    expected = independent.hotspots(built.landing)
    actual = mart(built, "kpi_complaint_hotspots")
    keys = ["org_code", "period_month", "dimension_type", "dimension_value"]
    merged = actual.merge(expected, on=keys, how="outer", suffixes=("", "_expected"), indicator=True)
    assert (merged._merge == "both").all() and len(merged) > 1000
    assert (merged.complaints_received == merged.complaints_received_expected).all()
    assert (merged.previous_month.fillna(-1) == merged.previous_month_expected.fillna(-1)).all()
    assert (merged.same_month_last_year.fillna(-1) == merged.same_month_last_year_expected.fillna(-1)).all()
    assert (merged.same_month_last_year > 0).any()
    # a complaint with two products counts under each: the product shares exceed the unit's total
    products = actual[(actual.dimension_type == "product_line") & (actual.org_level == 1)]
    classes = actual[(actual.dimension_type == "complaint_class") & (actual.org_level == 1)]
    assert products.complaints_received.sum() > classes.complaints_received.sum()


def test_complaints_by_class_match_raw_extracts(built):
    keys = ["org_code", "period_month", "complaint_class"]
    expected = independent.complaints_by_class(built.landing)
    actual = mart(built, "kpi_complaints_by_class")
    counted = lambda d: d[d.complaints_received > 0].set_index(keys).sort_index()  # noqa: E731
    pd.testing.assert_frame_equal(
        counted(actual)[["complaints_received", "closed_on_time"]],
        counted(expected)[["complaints_received", "closed_on_time"]],
        check_dtype=False,
    )
    head = actual[actual.org_level == 1]
    assert head.complaint_class.nunique() > 1 and 0 < head.closed_on_time.sum() < head.complaints_received.sum()


def test_complaints_by_department_match_raw_extracts(built):
    keys = ["org_code", "period_month", "department_code"]
    columns = [
        "complaints_received",
        "handled_on_time",
        "company_on_time",
        "regulator_on_time",
        "respondents_reached",
        "respondents_satisfied",
    ]
    expected = independent.complaints_by_department(built.landing)
    actual = mart(built, "kpi_complaints_by_department")
    counted = lambda d: d[d[columns].sum(axis=1) > 0].set_index(keys).sort_index()[columns]  # noqa: E731
    pd.testing.assert_frame_equal(counted(actual), counted(expected), check_dtype=False)
    head = actual[actual.org_level == 1]
    assert set(head.department_code) == {"sales", "customer_service", "underwriting_claims", "operations", "unassigned"}
    assert 0 < head.handled_on_time.sum() < head.complaints_received.sum() and head.respondents_reached.sum() > 0
    # every complaint counts under one department: the departments add up to the unit's complaints
    by_unit = actual.groupby(["org_code", "period_month"]).complaints_received.sum()
    rate = mart(built, "kpi_complaint_rate").set_index(["org_code", "period_month"]).numerator
    assert (by_unit == rate.reindex(by_unit.index)).all()


def test_department_assessment_matches_raw_extracts_and_the_targets(built):
    expected = independent.department_assessment(built.landing)
    actual = mart(built, "kpi_assessment_department_quarterly")
    keys = ["org_code", "department_code", "period_quarter"]
    merged = actual.merge(expected, on=keys, how="outer", indicator=True, suffixes=("", "_expected"))
    assert (merged._merge == "both").all() and len(merged) > 50, merged[merged._merge != "both"][keys].head()
    assert (merged.assessment == merged.assessment_expected).all()
    assert (merged.bonus_float_pct.fillna(999) == merged.bonus_float_pct_expected.fillna(999)).all()
    for column in ("complaint_rate", "timeliness_rate", "satisfaction_rate"):
        gap = (merged[column] - merged[f"{column}_expected"]).abs()
        assert ((gap < 1e-9) | (merged[column].isna() & merged[f"{column}_expected"].isna())).all(), column
    assert "unassigned" not in set(actual.department_code)  # no target: never judged
    assert {"steady", "not_assessed: insufficient evidence"} <= set(actual.assessment)


def test_annual_merit_matches_raw_extracts_and_the_rules(built):
    expected = independent.staff_annual_merit(built.landing)
    actual = mart(built, "kpi_staff_annual_merit")
    keys = ["employee_id", "year_number"]
    merged = actual.merge(expected, on=keys, how="outer", indicator=True, suffixes=("", "_expected"))
    assert (merged._merge == "both").all() and len(merged) > 100, merged[merged._merge != "both"][keys].head()
    for column in ("interactions_served", "complaints", "handled_on_time", "upheld_violations", "respondents_reached"):
        assert (merged[column] == merged[f"{column}_expected"]).all(), column
    for column in ("complaint_rate", "company_complaint_rate", "team_complaint_rate", "team_timeliness_rate"):
        gap = (merged[column] - merged[f"{column}_expected"].astype(float)).abs()
        assert ((gap < 1e-9) | (merged[column].isna() & merged[f"{column}_expected"].isna())).all(), column
    assert (merged.team_code.fillna("-") == merged.team_code_expected.fillna("-")).all()
    assert (merged.merit_result == merged.merit_result_expected).all()
    assert {"not_assessed: partial year", "not_eligible: upheld staff violation"} <= set(actual.merit_result)


def test_service_quality_dimensions_match_raw_extracts(built):
    keys = ["org_code", "period_month", "dimension_code"]
    expected = independent.service_quality_dimensions(built.landing)
    actual = mart(built, "kpi_service_quality_dimensions")
    rated = lambda d: d[d.ratings > 0].set_index(keys).sort_index()  # noqa: E731
    columns = ["numerator", "denominator", "rate", "weighted_rate", "ratings", "weight"]
    pd.testing.assert_frame_equal(rated(actual)[columns], rated(expected)[columns], check_dtype=False)
    assert len(rated(actual)) > 100 and set(actual.dimension_code) == set(independent.DIMENSIONS)


@pytest.mark.parametrize(
    "kpi, table, keys",
    [
        ("service_quality_score", "kpi_service_quality_score", ["org_code"]),
        ("service_quality_score_by_line", "kpi_service_quality_score_by_line", ["org_code", "line_of_business"]),
        ("staff_service_quality", "kpi_staff_service_quality", ["subject_type", "subject_code"]),
    ],
)
def test_service_quality_scores_match_raw_extracts(built, kpi, table, keys):
    expected = getattr(independent, kpi)(built.landing)
    actual = mart(built, table)
    merged = actual.merge(expected, on=keys + ["period_month"], how="outer", indicator=True, suffixes=("", "_expected"))
    assert (merged._merge == "both").all() and len(merged) > 100
    assert ((merged.score - merged.score_expected).abs() < 1e-6).sum() == merged.score_expected.notna().sum()
    assert (merged.score.isna() == merged.score_expected.isna()).all()
    assert (merged.grade.fillna("-") == merged.grade_expected.fillna("-")).all()
    assert (actual.weight_total.dropna() - 1).abs().max() < 1e-9
    assert merged.score.notna().sum() > 50


def test_every_source_row_is_loaded_or_quarantined(built):
    con = duckdb.connect()
    log = con.execute(f"select * from read_parquet('{built.loads}/*/*.parquet')").df()
    assert (log.rows_read == log.rows_loaded + log.rows_quarantined).all()
    for entity in contracts():
        landing_rows = len(independent.delivered(built.landing, entity))
        in_lake = con.execute(f"select count(*) from read_parquet('{built.raw / entity}/*.parquet')").fetchone()[0]
        assert log[log.entity == entity].rows_read.sum() == landing_rows == in_lake, entity


PII_PATTERNS = {"身份证号 ID number": r"\d{17}[\dXx]", "mobile phone": r"(^|\D)1[3-9]\d{9}($|\D)"}


def test_no_customer_identifiers_reach_the_marts(built):
    with duckdb.connect(str(built.published_file), read_only=True) as con:
        _assert_no_pii(con)


def _assert_no_pii(con):
    columns = con.execute("select table_name, column_name, data_type from information_schema.columns").fetchall()
    assert columns, "the published snapshot has no tables"
    for table, column, data_type in columns:
        assert not re.search(r"customer|phone|id_no|身份证", column), f"{table}.{column}"
        if data_type.upper().startswith("VARCHAR"):
            for label, pattern in PII_PATTERNS.items():
                hits = con.execute(
                    f'select count(*) from {table} where regexp_matches("{column}", ?)', [pattern]
                ).fetchone()[0]
                assert hits == 0, f"{label} pattern in {table}.{column}"


def test_counts_and_sums_are_bigint_not_hugeint(built):
    """DuckDB widens sum() and count_if() of integers to HUGEINT, 80x slower to scan in a
    roll-up and read by BI clients as a float or an object: counts and sums are bigint
    (count(case when ...), sum_int) in every table and published mart."""
    for database in (built.warehouse_file, built.published_file):
        with duckdb.connect(str(database), read_only=True) as con:
            wide = con.execute(
                "select table_schema || '.' || table_name || '.' || column_name "
                "from information_schema.columns where data_type in ('HUGEINT', 'UHUGEINT')"
            ).fetchall()
        assert not wide, f"{database.name}: {wide}"


def test_staged_customer_keys_are_keyed_hashes(built):
    with duckdb.connect(str(built.warehouse_file), read_only=True) as con:
        keys = con.execute("select customer_key from core.fct_complaints limit 5").fetchall()
    assert all(re.fullmatch(r"[0-9a-f]{64}", k) for (k,) in keys)
    ids = set(independent.extract(built.landing, "complaints").customer_id_no.head(50))
    assert not ids & {k for (k,) in keys}


@pytest.mark.parametrize(
    "table",
    [
        "kpi_complaint_timeliness",
        "kpi_satisfaction",
        "kpi_complaint_stage_timeliness",
        "kpi_claim_timeliness",
        "kpi_new_policy_callbacks",
        "kpi_counter_timeliness",
        "kpi_quality_inspections",
        "kpi_repeat_complaints",
    ],
)
def test_shares_are_fractions_with_their_parts(built, table):
    df = mart(built, table)
    assert {"numerator", "denominator", "rate"} <= set(df.columns)
    assert df.rate.dropna().between(0, 1).all()
    assert (df.numerator <= df.denominator).all()


def test_quarterly_assessment_matches_raw_extracts_and_the_rules(built):
    expected = independent.assessment(built.landing)
    actual = mart(built, "kpi_assessment_quarterly")
    merged = actual.merge(
        expected, on=["org_code", "period_quarter"], how="outer", indicator=True, suffixes=("", "_expected")
    )
    assert (merged._merge == "both").all() and len(merged) > 50
    for column in ("assessment", "top_complaint_class", "training_needed"):
        assert (merged[column].fillna("-") == merged[f"{column}_expected"].fillna("-")).all(), column
    assert (merged.bonus_float_pct.fillna(999) == merged.bonus_float_pct_expected.fillna(999)).all()
    for column in ("complaint_rate", "timeliness_rate", "satisfaction_rate"):
        gap = (merged[column] - merged[f"{column}_expected"]).abs()
        assert ((gap < 1e-9) | (merged[column].isna() & merged[f"{column}_expected"].isna())).all(), column
    # each rate's interval (Poisson score for the complaint rate, Wilson for the proportions), at
    # the z of the rule it was judged by
    z = independent.seed("assessment_rules").set_index("rule_version").interval_z.astype(float)
    for kpi, x, n in (
        ("complaint_rate", "complaints", "policies"),
        ("timeliness", "handled_on_time", "complaints_received"),
        ("satisfaction", "respondents_satisfied", "respondents_reached"),
    ):
        rows = actual[actual[n] > 0]
        bounds = [independent.interval(kpi, a, b, z[v]) for a, b, v in zip(rows[x], rows[n], rows.rule_version)]
        assert (rows[f"{kpi}_low"] - [lo for lo, _ in bounds]).abs().max() < 1e-9, kpi
        assert (rows[f"{kpi}_high"] - [hi for _, hi in bounds]).abs().max() < 1e-9, kpi
        assert actual.loc[actual[n] == 0, f"{kpi}_low"].isna().all(), kpi
    # the sample exercises the rules: some units float up, some are steady, some lack evidence
    assert {"up", "steady", "not_assessed: partial quarter", "not_assessed: insufficient evidence"} <= set(
        actual.assessment
    )


def test_the_run_builds_the_auditors_documents(built):
    page = (built.audit_docs / "dbt" / "static_index.html").read_text(encoding="utf-8")
    escaped = json.dumps("投诉处理及时率")[1:-1]  # the page embeds dbt's manifest as JSON
    assert escaped in page and json.dumps("003 §5.2")[1:-1] in page
    for checkpoint in ("raw_complaints", "kpi_marts"):
        site = built.audit_docs / "gx" / checkpoint
        suites = {v["suite"] for v in validations(checkpoint)}
        index = (site / "index.html").read_text(encoding="utf-8")
        # every suite of the checkpoint: its page, and the page of this run's validation, linked from the index
        for suite in suites:
            assert (site / "expectations" / f"{suite}.html").exists(), suite
            validation = [p.relative_to(site).as_posix() for p in (site / "validations" / suite).rglob("*.html")]
            assert len(validation) == 1 and validation[0] in index, suite


def test_summary_prints_head_office_totals_of_the_independent_figures(built):
    text = kpi_summary(built)
    for kpi in (
        "complaint_rate",
        "complaint_timeliness",
        "satisfaction",
        "claim_timeliness",
        "new_policy_callbacks",
        "counter_timeliness",
        "first_contact_resolution",
    ):
        head = getattr(independent, kpi)(built.landing).query("org_code == 'HQ'")
        if kpi == "satisfaction":  # the summary's first satisfaction line: complainants
            head = head.query("survey_type == 'complaint_callback'")
        assert f"({int(head.numerator.sum()):,} / {int(head.denominator.sum()):,})" in text, kpi
