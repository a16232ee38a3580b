"""The KPI marts: their grain, where each engine leaves them, and engine parity.

DuckDB keeps the marts in ``warehouse/kefu.duckdb``; Spark (dbt-spark, session method)
writes plain Parquet tables under ``warehouse/spark/marts.db/<mart>/``. Both are read here
with DuckDB, so the comparison is one set-based query per mart.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from kefu.project import mart_grain
from kefu.workspace import Workspace

TOLERANCE = 1e-9
# How the warehouse keeps a mart by month (a fingerprint of what each month was built from),
# not a figure: neither published nor compared across engines (each renders rule rows as
# different text before hashing them).
BOOKKEEPING_COLUMNS = ("input_fingerprint",)


def mart_sql(ws: Workspace, mart: str, target: str | None = None, alias: str = "kefu") -> str:
    """A FROM-clause relation for a mart built by the given target. For DuckDB the caller's
    connection must have the warehouse attached as ``alias``."""
    return model_sql(ws, "marts", mart, target, alias)


def connect_read_only(ws: Workspace) -> duckdb.DuckDBPyConnection:
    """A connection with the warehouse attached read-only as ``kefu`` (DuckDB target), for
    an auditor's query: it never holds the file for writing, and says so when a pipeline
    run holds it."""
    ws.require_built()
    con = duckdb.connect()
    if ws.dbt_target == "duckdb":
        try:
            con.execute(f"attach '{ws.warehouse_file}' as kefu (read_only)")
        except duckdb.IOException as e:
            con.close()
            raise RuntimeError(
                f"the warehouse {ws.warehouse_file} is being written by a pipeline run; "
                f"try again when it has finished ({e})"
            ) from None
    return con


def figure_columns(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """A select list of a mart's columns without its bookkeeping ones."""
    return ", ".join(
        f'"{name}"'
        for name, *_ in con.execute(f"describe select * from {relation}").fetchall()
        if name not in BOOKKEEPING_COLUMNS
    )


def model_sql(ws: Workspace, schema: str, model: str, target: str | None = None, alias: str = "kefu") -> str:
    """A FROM-clause relation for any table model (Spark keeps tables as Parquet folders)."""
    if (target or ws.engine) == "spark":
        return f"read_parquet('{ws.spark_warehouse}/{schema}.db/{model}/*.parquet')"
    return f"{alias}.{schema}.{model}"


@dataclass
class MartDifference:
    mart: str
    problem: str
    rows: list[tuple]  # "keys differ": the keys and which side; "values differ": the keys and "col old → new, …"
    keys: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """One line a row, keys named: `org_code=HQ, month_start=2026-05-01: numerator 12 → 13`."""
        n = len(self.keys)
        return [
            ", ".join(f"{k}={v}" for k, v in zip(self.keys, row[:n])) + ": " + ", ".join(map(str, row[n:]))
            if n
            else str(row)
            for row in self.rows
        ]


def compare_marts(left_ws: Workspace, left_target: str, right_ws: Workspace, right_target: str) -> list[MartDifference]:
    """Every KPI mart of two builds row for row: the same keys, and every other column equal
    (numbers within 1e-9, compared as double: Spark and DuckDB may type a ratio differently)."""
    con = duckdb.connect()
    for alias, ws, target in (("left_db", left_ws, left_target), ("right_db", right_ws, right_target)):
        if target == "duckdb":
            con.execute(f"attach '{ws.warehouse_file}' as {alias} (read_only)")
    try:
        return [
            d
            for mart, keys in mart_grain().items()
            for d in diff_relations(
                con,
                mart,
                mart_sql(left_ws, mart, left_target, "left_db"),
                mart_sql(right_ws, mart, right_target, "right_db"),
                keys,
            )
        ]
    finally:
        con.close()


def diff_relations(
    con: duckdb.DuckDBPyConnection, label: str, left: str, right: str, keys: list[str], limit: int = 10
) -> list[MartDifference]:
    """Two relations with the same grain, row for row: keys on one side only, and rows whose
    other columns differ (numbers within 1e-9, as double), each with its changed cells as
    `column left → right` (for a frozen quarter: the frozen value → the rebuilt one)."""
    columns = con.execute(f"describe select * from {left}").fetchall()
    right_columns = {c[0] for c in con.execute(f"describe select * from {right}").fetchall()}
    missing = [c[0] for c in columns if c[0] not in right_columns and c[0] not in BOOKKEEPING_COLUMNS]
    if missing:
        return [MartDifference(label, f"columns missing on the right: {missing}", [])]
    differences = []
    join = " and ".join(f"d.{k} = s.{k}" for k in keys)
    unmatched = con.execute(
        f"select {', '.join(f'coalesce(d.{k}, s.{k})' for k in keys)}, "
        f"case when d.{keys[0]} is null then 'right only' else 'left only' end "
        f"from {left} d full outer join {right} s on {join} "
        f"where d.{keys[0]} is null or s.{keys[0]} is null order by all limit {limit}"
    ).fetchall()
    if unmatched:
        differences.append(MartDifference(label, "keys differ", unmatched, tuple(keys)))
    checks = {}
    for name, kind, *_ in columns:
        if name in keys or name in BOOKKEEPING_COLUMNS:
            continue
        if any(t in kind.upper() for t in ("INT", "DOUBLE", "FLOAT", "DECIMAL", "REAL")):
            checks[name] = (
                f"abs(cast(d.{name} as double) - cast(s.{name} as double)) > {TOLERANCE} "
                f"or (d.{name} is null) <> (s.{name} is null)"
            )
        else:
            checks[name] = f"d.{name} is distinct from s.{name}"
    if checks:
        cell = "coalesce(cast({} as varchar), 'null')"
        changed = (
            "concat_ws(', ', "
            + ", ".join(
                f"case when {c} then '{n} ' || {cell.format('d.' + n)} || ' → ' || {cell.format('s.' + n)} end"
                for n, c in checks.items()
            )
            + ")"
        )
        mismatched = con.execute(
            f"select {', '.join('d.' + k for k in keys)}, {changed} from {left} d join {right} s on {join} "
            f"where {' or '.join(f'({c})' for c in checks.values())} order by all limit {limit}"
        ).fetchall()
        if mismatched:
            differences.append(MartDifference(label, "values differ", mismatched, tuple(keys)))
    return differences


def content_hash(table: str, schema: str = "main") -> str:
    """SQL for a hash of a table's content that does not depend on row order or on the
    engine's internal hash function: md5 over the sorted md5s of its rows as JSON (row
    hashes, not the rows, are aggregated, so memory stays at 32 bytes a row)."""
    return (
        f"(select md5(coalesce(string_agg(h, '' order by h), '')) "
        f"from (select md5(cast(to_json(t) as varchar)) as h from {schema}.{table} t))"
    )
