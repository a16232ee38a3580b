"""Publish the KPI marts to a separate read-only DuckDB file for BI readers.

The marts come from whichever engine built them (DuckDB file or Spark's Parquet tables).
The copy is written under a temporary name and moved into place with an atomic rename, so a
reader opens either the previous complete snapshot or the new complete one, never a partial
file, and never holds a lock on the warehouse file the pipeline writes. A reader that has
the old snapshot open keeps reading it (the rename does not touch an open file) until it
reconnects. The table ``snapshot`` inside says what the file holds: per table, its rows and a
content hash, and when it was published, so a reader can check it read one whole snapshot.

Beside the KPI marts it holds what a BI reader joins them with (models/reference/: the org tree,
periods, classes, channels, product lines, the KPI catalogue), and every table and column
carries its comment: the Chinese and English label (seeds/column_labels.csv) and the
description of its .yml, readable through duckdb_columns() and a BI tool's reflection.
"""

from __future__ import annotations

import datetime as dt
import os

import duckdb

from kefu.freeze import keep_frozen_periods
from kefu.marts import content_hash, figure_columns, model_sql
from kefu.project import PublishedTable, column_labels, published_tables
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
        labels = column_labels()
        for table, declared in published_tables().items():
            built = model_sql(ws, declared.schema, table)
            con.execute(f"create table snapshot.main.{table} as select {figure_columns(con, built)} from {built}")
            _comment(con, declared, labels)
        con.execute("detach snapshot")
    finally:
        con.close()
    try:
        keep_frozen_periods(ws, tmp)
        con = duckdb.connect(str(tmp))
        try:
            tables = [t for (t,) in con.execute("select table_name from duckdb_tables() order by all").fetchall()]
            con.execute(
                "create table snapshot (mart varchar, row_count bigint, content_hash varchar, published_at timestamp)"
            )
            for table in tables:
                con.execute(
                    f"insert into snapshot select ?, count(*), {content_hash(table)}, ? from main.{table}",
                    [table, published_at],
                )
            for declared in KEFU_TABLES.values():
                _comment(con, declared, labels, database=None)
            rows = dict(con.execute("select mart, row_count from snapshot").fetchall())
        finally:
            con.close()
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, target)
    return rows


# the snapshot's own tables, not dbt models: what they hold, as their comments
KEFU_TABLES = {
    "snapshot": PublishedTable(
        "snapshot",
        "",
        "**快照清单 Snapshot contents**: per published table, its rows and content hash and when it was published, "
        "so a reader can check it read one whole snapshot.",
        {
            "mart": "The published table.",
            "row_count": "Its rows.",
            "content_hash": "md5 over the sorted md5s of its rows as JSON: equal content, equal hash.",
            "published_at": "When this snapshot was published (UTC).",
        },
    ),
    "post_freeze_differences": PublishedTable(
        "post_freeze_differences",
        "",
        "**冻结后差异 Post-freeze differences**: what the latest build says differently of a frozen quarter. The "
        "snapshot keeps the frozen rows (what bonuses were paid on); a restatement (kefu publish --period P "
        "--restate --reason …) moves them. kefu diff lists the same.",
        {
            "period_quarter": "The frozen quarter 'YYYY-Qn'.",
            "kpi_mart": "The mart whose frozen rows differ from the build.",
            "problem": "keys differ (rows on one side only) or values differ.",
            "difference": "The row's keys and each changed cell as frozen → rebuilt.",
        },
    ),
}


def _comment(
    con: duckdb.DuckDBPyConnection,
    table: PublishedTable,
    labels: dict[str, tuple[str, str]],
    database: str | None = "snapshot",
) -> None:
    """The table's description and each column's labels and description as their comments."""
    name = f"{database}.main.{table.name}" if database else f"main.{table.name}"
    con.execute(f"comment on table {name} is {_literal(_plain(table.description))}")
    for (column,) in con.execute(
        "select column_name from duckdb_columns() where database_name = coalesce(?, current_database()) "
        "and table_name = ?",
        [database, table.name],
    ).fetchall():
        label = " ".join(labels.get(column, ()))
        text = ": ".join(part for part in (label, _plain(table.columns.get(column, ""))) if part)
        con.execute(f'comment on column {name}."{column}" is {_literal(text)}')


def _plain(markdown: str) -> str:
    return " ".join(markdown.replace("**", "").split())


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def snapshot_engine(ws: Workspace):
    """A read-only SQLAlchemy engine on the published snapshot, for a Python reader (pandas, a
    BI tool's SQLAlchemy layer), whose column reflection works (fix_duckdb_engine_reflection)."""
    import sqlalchemy

    from kefu.workarounds import fix_duckdb_engine_reflection

    fix_duckdb_engine_reflection()
    return sqlalchemy.create_engine(f"duckdb:///{ws.published_file}", connect_args={"read_only": True})


def published_hashes(ws: Workspace) -> dict[str, str]:
    """Content hash per mart of the snapshot readers see now (its ``snapshot`` table)."""
    con = duckdb.connect(str(ws.published_file), read_only=True)
    try:
        return dict(con.execute("select mart, content_hash from snapshot").fetchall())
    finally:
        con.close()
