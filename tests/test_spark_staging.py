"""On Spark an incremental staging table is rewritten by month partition. A correction that
moves every row of a month to another month (a mistyped date put right) writes no row for the
month it leaves, so its partition must be dropped, or the table keeps a second, stale copy of
every row it held. (On DuckDB staging merges by key; test_incremental covers the models above.)"""

import csv
import subprocess
import sys
from pathlib import Path

import duckdb

from kefu.generate import generate
from kefu.ingest import Ingestor
from kefu.workspace import DBT_PROJECT_DIR, Workspace


def _stage_claims_on_spark(ws: Workspace) -> None:
    dbt = Path(sys.executable).parent / "dbt"
    out = subprocess.run(
        [
            str(dbt),
            "run",
            "--select",
            "stg_ops__claims",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(ws.home / "dbt_target"),
        ],
        env={**ws.dbt_env(), "KEFU_DBT_TARGET": "spark"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.returncode == 0, out.stdout[-3000:]


def _latest_claims(landing: Path) -> dict[str, dict]:
    """Each claim as its last delivery has it: files in the order they load, rows in file order."""
    latest = {}
    for path in sorted((landing / "claims").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                latest[row["claim_id"]] = row
    return latest


def _month_before(month: str) -> str:
    year, mon = map(int, month.split("-"))
    return f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"


def test_a_month_whose_every_row_moved_leaves_no_partition(tmp_path):
    ws = Workspace(tmp_path).ensure()
    generate(0.01, 42, ws.landing)
    Ingestor(ws).ingest_landing()
    _stage_claims_on_spark(ws)  # full build

    claims = _latest_claims(ws.landing)
    first = min(claim["reported_at"][:7] for claim in claims.values())
    earlier = _month_before(first)
    moved = [
        {**claim, "reported_at": f"{earlier}-{min(int(claim['reported_at'][8:10]), 28):02d}{claim['reported_at'][10:]}"}
        for claim in claims.values()
        if claim["reported_at"].startswith(first)
    ]
    with (ws.landing / "claims" / "claims_dates_corrected.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(moved[0]))
        writer.writeheader()
        writer.writerows(moved)
    Ingestor(ws).ingest_landing()
    _stage_claims_on_spark(ws)  # incremental: the correction's load only

    table = ws.spark_warehouse / "staging.db" / "stg_ops__claims"
    partitions = {p.name for p in table.glob("reported_month=*")}
    assert f"reported_month={earlier}-01" in partitions
    assert f"reported_month={first}-01" not in partitions, "the month every claim left kept its partition"
    claims.update({claim["claim_id"]: claim for claim in moved})
    staged = duckdb.sql(
        f"select claim_id, left(cast(reported_month as varchar), 7) from "
        f"read_parquet('{table}/*/*.parquet', hive_partitioning = true)"
    ).fetchall()
    assert sorted(staged) == sorted((key, claim["reported_at"][:7]) for key, claim in claims.items())
