"""The whole pipeline on a small generated set (built once by the Dagster job), every KPI
value compared with a figure computed independently from the raw landing files."""
import json
import re

import duckdb
import pandas as pd
import pytest

from kefu.contracts import contracts
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


def test_complaint_rate_matches_raw_extracts(built):
    expected = independent.complaint_rate(built.landing)
    actual = mart(built, "kpi_complaint_rate")
    assert len(actual) == len(expected) > 0
    assert_rates_match(actual, expected, ["org_code", "period_month"])


def test_complaint_timeliness_matches_raw_extracts(built):
    expected = independent.complaint_timeliness(built.landing)
    actual = mart(built, "kpi_complaint_timeliness")
    assert_rates_match(actual, expected, ["org_code", "period_month"])
    # the sample is not trivial: some complaints are late, some on time
    head = actual[actual.org_level == 1]
    assert 0 < head.numerator.sum() < head.denominator.sum()


def test_satisfaction_matches_raw_extracts(built):
    expected = independent.satisfaction(built.landing)
    actual = mart(built, "kpi_satisfaction")
    assert_rates_match(actual, expected, ["org_code", "period_month", "survey_type"])


def test_service_quality_score_matches_raw_extracts(built):
    expected = independent.service_quality_score(built.landing)
    actual = mart(built, "kpi_service_quality_score")
    merged = actual.merge(expected, on=["org_code", "period_month"], how="outer", indicator=True,
                          suffixes=("", "_expected"))
    assert (merged._merge == "both").all()
    assert ((merged.score - merged.score_expected).abs() < 1e-6).sum() == merged.score_expected.notna().sum()
    assert (merged.score.isna() == merged.score_expected.isna()).all()
    assert (merged.grade.fillna("-") == merged.grade_expected.fillna("-")).all()
    assert (actual.weight_total.dropna() - 1).abs().max() < 1e-9


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
                hits = con.execute(f'select count(*) from {table} where regexp_matches("{column}", ?)',
                                   [pattern]).fetchone()[0]
                assert hits == 0, f"{label} pattern in {table}.{column}"


def test_staged_customer_keys_are_keyed_hashes(built):
    with duckdb.connect(str(built.warehouse_file), read_only=True) as con:
        keys = con.execute("select customer_key from core.fct_complaints limit 5").fetchall()
    assert all(re.fullmatch(r"[0-9a-f]{64}", k) for (k,) in keys)
    ids = set(independent.extract(built.landing, "complaints").customer_id_no.head(50))
    assert not ids & {k for (k,) in keys}


@pytest.mark.parametrize("table", ["kpi_complaint_rate", "kpi_complaint_timeliness", "kpi_satisfaction"])
def test_rates_are_fractions_with_their_parts(built, table):
    df = mart(built, table)
    assert {"numerator", "denominator", "rate"} <= set(df.columns)
    assert df.rate.dropna().between(0, 1).all()
    assert (df.numerator <= df.denominator).all()


def test_quarterly_assessment_matches_raw_extracts_and_the_rules(built):
    expected = independent.assessment(built.landing)
    actual = mart(built, "kpi_assessment_quarterly")
    merged = actual.merge(expected, on=["org_code", "period_quarter"], how="outer", indicator=True,
                          suffixes=("", "_expected"))
    assert (merged._merge == "both").all() and len(merged) > 50
    for column in ("assessment", "top_complaint_class", "training_needed"):
        assert (merged[column].fillna("-") == merged[f"{column}_expected"].fillna("-")).all(), column
    assert (merged.bonus_float_pct.fillna(999) == merged.bonus_float_pct_expected.fillna(999)).all()
    for column in ("complaint_rate", "timeliness_rate", "satisfaction_rate"):
        gap = (merged[column] - merged[f"{column}_expected"]).abs()
        assert ((gap < 1e-9) | (merged[column].isna() & merged[f"{column}_expected"].isna())).all(), column
    # the sample exercises the rules: some units float up, some are steady
    assert {"up", "steady", "not_assessed: partial quarter"} <= set(actual.assessment)


def test_the_run_builds_the_auditors_documents(built):
    page = (built.audit_docs / "dbt" / "static_index.html").read_text(encoding="utf-8")
    escaped = json.dumps("投诉处理及时率")[1:-1]  # the page embeds dbt's manifest as JSON
    assert escaped in page and json.dumps("003 §5.2")[1:-1] in page
    for checkpoint, suite in [("raw_complaints", "raw_complaints"), ("kpi_marts", "kpi_assessment_quarterly")]:
        site = built.audit_docs / "gx" / checkpoint
        assert (site / "index.html").exists() and (site / "expectations" / f"{suite}.html").exists()
        assert list((site / "validations").rglob("*.html"))
