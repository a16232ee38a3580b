"""On Spark an incremental table kept by month is rewritten by month partition. A correction
that moves every row of a month to another month (a mistyped date put right) writes no row for
the month it leaves, so its partition must be dropped, or the table keeps a second, stale copy
of every row it held. `built` and `built_on_spark` both load such a correction with the day
(conftest.land_a_month_moved): the parity test compares their marts; here, the tables the
claims pass through on the way (on DuckDB staging merges by key; test_incremental covers a
month left on DuckDB's models)."""

import csv

import duckdb
import pytest

from tests.conftest import MONTH_MOVED
from tests.independent import extract

pytestmark = pytest.mark.xdist_group("spark")

# the claims' way from the lake to their mart: each table kept by month, and its month column
KEPT_BY_MONTH = [("staging", "stg_ops__claims", "reported_month"), ("core", "fct_claims", "reported_month")]


def _months_moved(ws) -> tuple[str, str]:
    """The month every claim left and the month they entered, as the correction says."""
    with (ws.landing / "claims" / MONTH_MOVED).open(encoding="utf-8", newline="") as f:
        entered = {row["reported_at"][:7] for row in csv.DictReader(f)}
    [entered] = entered
    year, month = map(int, entered.split("-"))
    return (f"{year + 1}-01" if month == 12 else f"{year}-{month + 1:02d}"), entered


def test_a_month_whose_every_row_moved_leaves_no_partition(built_on_spark):
    left, entered = _months_moved(built_on_spark)
    for schema, table, month in KEPT_BY_MONTH:
        partitions = {p.name for p in (built_on_spark.spark_warehouse / f"{schema}.db" / table).glob(f"{month}=*")}
        assert f"{month}={entered}-01" in partitions, table
        assert f"{month}={left}-01" not in partitions, f"{table}: the month every claim left kept its partition"


def test_each_claim_is_staged_once_in_the_month_of_its_last_delivery(built, built_on_spark):
    latest = extract(built.landing, "claims")  # each claim as its last delivery has it
    want = sorted(zip(latest.claim_id, latest.reported_at.str[:7], strict=True))
    table = built_on_spark.spark_warehouse / "staging.db" / "stg_ops__claims"
    on_spark = duckdb.sql(
        f"select claim_id, left(cast(reported_month as varchar), 7) from "
        f"read_parquet('{table}/*/*.parquet', hive_partitioning = true)"
    ).fetchall()
    with duckdb.connect(str(built.warehouse_file), read_only=True) as con:
        on_duckdb = con.execute(
            "select claim_id, left(cast(reported_month as varchar), 7) from staging.stg_ops__claims"
        ).fetchall()
    assert sorted(on_spark) == want and sorted(on_duckdb) == want
