"""Great Expectations through duckdb-engine: the result-buffering fix and the checkpoints."""

import subprocess
import sys
import textwrap

import duckdb
import pytest

from kefu.project import marts
from kefu.quality import checkpoint_tables, install_duckdb_result_buffering, run_checkpoint

VALIDATE_TEN_NULLS = textwrap.dedent("""
    import sys, duckdb, great_expectations as gx
    path = sys.argv[1]
    duckdb.connect(path).execute(
        "create table t as select range as x, case when range % 10 = 0 then null else range end as y "
        "from range(100)").close()
    if sys.argv[2] == "fixed":
        from kefu.quality import install_duckdb_result_buffering
        install_duckdb_result_buffering()
    ctx = gx.get_context(mode="ephemeral")
    asset = ctx.data_sources.add_sql(name="w", connection_string=f"duckdb:///{path}").add_table_asset(
        name="t", table_name="t")
    result = asset.add_batch_definition_whole_table("all").get_batch().validate(
        gx.expectations.ExpectColumnValuesToNotBeNull(column="y"))
    print(result.result.get("unexpected_count"))
""")


def _unexpected_count(tmp_path, mode: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", VALIDATE_TEN_NULLS, str(tmp_path / f"{mode}.duckdb"), mode],
        capture_output=True,
        text=True,
        env={"GX_ANALYTICS_ENABLED": "false", "PATH": ""},
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip().splitlines()[-1]


def test_buffering_fix_makes_gx_see_duckdb_rows(tmp_path):
    assert _unexpected_count(tmp_path, "fixed") == "10"


def test_upstream_bug_is_still_there_without_the_fix(tmp_path):
    # When this fails, GX or duckdb-engine fixed issue #10738/#11579 upstream and
    # install_duckdb_result_buffering can be deleted.
    assert _unexpected_count(tmp_path, "plain") == "None"


def test_raw_checkpoint_fails_on_a_contract_breach(workspace):
    install_duckdb_result_buffering()
    folder = workspace.raw / "complaints"
    folder.mkdir(parents=True)
    duckdb.sql(f"""copy (select 'T1' as complaint_id, timestamp '2025-01-01 10:00:00' as received_at,
                              'fax' as channel, 'product' as complaint_class, 'A1' as org_code,
                              'L1' as _load_id, 'f.csv' as _source_file, 2 as _source_row, 'x' as _file_sha256)
                   to '{folder}/bad.parquet' (format parquet)""")
    outcome = run_checkpoint(workspace, "raw_complaints")
    assert not outcome.success
    [failure] = outcome.failures
    assert failure.kwargs["column"] == "channel" and failure.observed["unexpected_count"] == 1
    assert "fax" in outcome.describe()


@pytest.fixture(scope="module")
def kpi_checkpoint_run(built):
    """The KPI marts' checkpoint run once on the built workspace (~10 s), for both tests below."""
    return run_checkpoint(built, "kpi_marts")


def test_kpi_checkpoint_passes_on_the_built_marts(kpi_checkpoint_run):
    outcome = kpi_checkpoint_run
    assert outcome.success, outcome.describe()
    # every mart the dbt project declares, each with the grain its .yml tests (generated, not copied)
    assert (
        {o.data for o in outcome.outcomes}
        == set(checkpoint_tables("kpi_marts"))
        == {f"marts.{mart}" for mart in marts()}
    )
    grains = {
        (o.data, tuple(o.kwargs["column_list"]))
        for o in outcome.outcomes
        if o.expectation == "expect_compound_columns_to_be_unique"
    }
    assert grains == {(f"marts.{name}", mart.grain) for name, mart in marts().items()}


def test_checkpoint_releases_the_warehouse_file(built, kpi_checkpoint_run):
    # DuckDB allows one writer per file: a connection GX left open would block the next run
    duckdb.connect(str(built.warehouse_file)).close()
