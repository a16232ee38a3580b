"""`kefu reconcile`: the load log against the files it describes."""

import duckdb

from kefu.contracts import contracts
from kefu.ingest import Ingestor
from kefu.reconcile import reconcile
from tests.test_ingest import HEADER, land


def test_a_clean_build_reconciles(built):
    result = reconcile(built)
    assert result.loads and not result.failures
    assert {r["entity"] for r in result.loads} == set(contracts())


def test_quarantine_reasons_are_grouped_by_kind(workspace):
    land(
        workspace,
        "complaints",
        "c.csv",
        f"{HEADER}\nT1,2025-03-01 09:30:00,hotline,product,A1\n"
        "T2,2025-03-01 09:30:00,fax,product,A1\nT3,2025-03-01 09:30:00,mail,product,A1\n"
        "T4,soon,hotline,product,A1\n",
    )
    Ingestor(workspace).ingest_extract("complaints")
    result = reconcile(workspace)
    assert not result.failures
    assert ("complaints", "column channel: value … is not one of the allowed values", 2) in result.reasons
    assert "quarantined complaints: 1 × column received_at: cannot read … as timestamp" in result.describe()


def test_a_lake_that_disagrees_with_its_log_fails(workspace):
    land(
        workspace,
        "complaints",
        "c.csv",
        f"{HEADER}\nT1,2025-03-01 09:30:00,hotline,product,A1\nT2,2025-03-01 09:30:00,hotline,product,A1\n",
    )
    [load] = Ingestor(workspace).ingest_extract("complaints")
    raw_file = workspace.raw / "complaints" / f"{load.load_id}.parquet"
    duckdb.sql(f"copy (select * from read_parquet('{raw_file}') limit 1) to '{raw_file}.new' (format parquet)")
    raw_file.with_suffix(".parquet.new").replace(raw_file)  # a row lost after loading
    [failure] = reconcile(workspace).failures
    assert (failure["rows_loaded"], failure["rows_in_lake"]) == (2, 1)
    assert "FAILED complaints" in reconcile(workspace).describe()
