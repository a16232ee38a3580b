"""Publish the KPI marts to a separate read-only DuckDB file for BI readers.

The marts come from whichever engine built them (DuckDB file or Spark's Parquet tables).
The copy is written under a temporary name and moved into place with an atomic rename, so a
reader opens either the previous complete snapshot or the new complete one, never a partial
file, and never holds a lock on the warehouse file the pipeline writes.
"""
from __future__ import annotations

import os

import duckdb

from kefu.marts import MART_GRAIN, mart_sql
from kefu.workspace import Workspace


def publish_marts(ws: Workspace) -> dict[str, int]:
    ws.ensure()
    target = ws.published_file
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    rows = {}
    con = duckdb.connect()  # in memory: the warehouse attached read-only, the snapshot writable
    try:
        if ws.dbt_target == "duckdb":
            con.execute(f"attach '{ws.warehouse_file}' as kefu (read_only)")
        con.execute(f"attach '{tmp}' as snapshot")
        for table in MART_GRAIN:
            con.execute(f"create table snapshot.main.{table} as select * from {mart_sql(ws, table)}")
            rows[table] = con.execute(f"select count(*) from snapshot.main.{table}").fetchone()[0]
        con.execute("detach snapshot")
    finally:
        con.close()
    os.replace(tmp, target)
    return rows
