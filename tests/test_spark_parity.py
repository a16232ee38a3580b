"""The same dbt project on Apache Spark (dbt-spark, session method): built by the same
Dagster job from the same extracts — history first, then a daily incremental run with
corrections — every KPI mart must equal the DuckDB build row for row, and the Great
Expectations suites must pass on Spark's output."""

import shutil

import pytest

from kefu.marts import compare_marts, mart_grain
from kefu.quality import run_checkpoint
from kefu.workspace import Workspace
from tests.conftest import SPARK_TARGET, env

# one worker builds Spark once for every test that reads it (make test runs two workers)
pytestmark = pytest.mark.xdist_group("spark")


def test_every_kpi_mart_matches_duckdb_row_for_row(built, built_on_spark):
    for mart in mart_grain():
        assert (built_on_spark.spark_warehouse / "marts.db" / mart).is_dir(), mart
    differences = compare_marts(built, "duckdb", built_on_spark, "spark")
    assert differences == [], "\n".join(f"{d.mart}: {d.problem} {d.rows}" for d in differences)


def test_gx_suites_pass_on_spark_output(built_on_spark):
    with env(KEFU_DBT_TARGET=SPARK_TARGET):
        outcome = run_checkpoint(built_on_spark, "kpi_marts")
    assert outcome.success, outcome.describe()
    assert len(outcome.outcomes) > 20


def test_comparison_catches_a_difference(built, built_on_spark, tmp_path):
    """The parity check itself can fail: alter one value in a copy of Spark's output."""
    import duckdb

    altered = Workspace(tmp_path)
    shutil.copytree(built_on_spark.spark_warehouse / "marts.db", altered.spark_warehouse / "marts.db")
    folder = altered.spark_warehouse / "marts.db" / "kpi_complaint_rate"
    source = f"read_parquet('{built_on_spark.spark_warehouse}/marts.db/kpi_complaint_rate/*.parquet')"
    for f in folder.glob("*.parquet"):
        f.unlink()
    duckdb.sql(
        f"copy (select * replace (case when org_code = 'HQ' and period_month = '2025-01' "
        f"then numerator + 1 else numerator end as numerator) from {source}) "
        f"to '{folder}/part-0.parquet' (format parquet)"
    )
    [difference] = compare_marts(built, "duckdb", altered, "spark")
    assert difference.mart == "kpi_complaint_rate" and difference.problem == "values differ"
