"""Publish the KPI marts to a separate read-only DuckDB file for BI readers.

The marts come from whichever engine built them (DuckDB file or Spark's Parquet tables).
The copy is written under a temporary name and moved into place with an atomic rename, so a
reader opens either the previous complete snapshot or the new complete one, never a partial
file, and never holds a lock on the warehouse file the pipeline writes. A reader that has
the old snapshot open keeps reading it (the rename does not touch an open file) until it
reconnects. The table ``snapshot`` inside says what the file holds: per mart, its rows and a
content hash, and when it was published, so a reader can check it read one whole snapshot.
"""

from __future__ import annotations

import datetime as dt
import os

import duckdb

from kefu.freeze import check_frozen_periods
from kefu.marts import content_hash, figure_columns, mart_grain, mart_sql
from kefu.workspace import Workspace


def publish_marts(ws: Workspace) -> dict[str, int]:
    ws.ensure()
    target = ws.published_file
    for stale in target.parent.glob(f".{target.name}.*.tmp*"):  # left by a run that was killed
        stale.unlink(missing_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con = duckdb.connect()  # in memory: the warehouse attached read-only, the snapshot writable
    try:
        if ws.dbt_target == "duckdb":
            con.execute(f"attach '{ws.warehouse_file}' as kefu (read_only)")
        con.execute(f"attach '{tmp}' as snapshot")
        con.execute(
            "create table snapshot.main.snapshot (mart varchar, row_count bigint, content_hash varchar, "
            "published_at timestamp)"
        )
        for table in mart_grain():
            mart = mart_sql(ws, table)
            con.execute(f"create table snapshot.main.{table} as select {figure_columns(con, mart)} from {mart}")
            con.execute(
                f"insert into snapshot.main.snapshot select ?, count(*), {content_hash(table, 'snapshot.main')}, ? "
                f"from snapshot.main.{table}",
                [table, published_at],
            )
        rows = dict(con.execute("select mart, row_count from snapshot.main.snapshot").fetchall())
        con.execute("detach snapshot")
    finally:
        con.close()
    try:
        check_frozen_periods(ws, tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, target)
    return rows


def published_hashes(ws: Workspace) -> dict[str, str]:
    """Content hash per mart of the snapshot readers see now (its ``snapshot`` table)."""
    con = duckdb.connect(str(ws.published_file), read_only=True)
    try:
        return dict(con.execute("select mart, content_hash from snapshot").fetchall())
    finally:
        con.close()
