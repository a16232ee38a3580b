"""The KPI marts: their grain, where each engine leaves them, and engine parity.

DuckDB keeps the marts in ``warehouse/kefu.duckdb``; Spark (dbt-spark, session method)
writes plain Parquet tables under ``warehouse/spark/marts.db/<mart>/``. Both are read here
with DuckDB, so the comparison is one set-based query per mart.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

from kefu.workspace import Workspace

# grain of each mart (also enforced by the dbt unique_combination tests)
MART_GRAIN = {
    "kpi_complaint_rate": ["org_code", "month_start"],
    "kpi_complaint_timeliness": ["org_code", "month_start"],
    "kpi_satisfaction": ["org_code", "month_start", "survey_type"],
    "kpi_service_quality_dimensions": ["org_code", "month_start", "dimension_code"],
    "kpi_service_quality_score": ["org_code", "month_start"],
    "kpi_complaints_by_class": ["org_code", "month_start", "complaint_class"],
    "kpi_assessment_quarterly": ["org_code", "year_number", "quarter_number"],
}
TOLERANCE = 1e-9


def mart_sql(ws: Workspace, mart: str, target: str | None = None, alias: str = "kefu") -> str:
    """A FROM-clause relation for a mart built by the given target. For DuckDB the caller's
    connection must have the warehouse attached as ``alias``."""
    if (target or ws.dbt_target) == "spark":
        return f"read_parquet('{ws.spark_warehouse}/marts.db/{mart}/*.parquet')"
    return f"{alias}.marts.{mart}"


@dataclass
class MartDifference:
    mart: str
    problem: str
    rows: list[tuple]


def compare_marts(left_ws: Workspace, left_target: str, right_ws: Workspace, right_target: str
                  ) -> list[MartDifference]:
    """Every KPI mart of two builds row for row: the same keys, and every other column equal
    (numbers within 1e-9, compared as double: Spark and DuckDB may type a ratio differently)."""
    con = duckdb.connect()
    for alias, ws, target in (("left_db", left_ws, left_target), ("right_db", right_ws, right_target)):
        if target == "duckdb":
            con.execute(f"attach '{ws.warehouse_file}' as {alias} (read_only)")
    differences = []
    try:
        for mart, keys in MART_GRAIN.items():
            left = mart_sql(left_ws, mart, left_target, "left_db")
            right = mart_sql(right_ws, mart, right_target, "right_db")
            columns = con.execute(f"describe select * from {left}").fetchall()
            right_columns = {c[0] for c in con.execute(f"describe select * from {right}").fetchall()}
            missing = [c[0] for c in columns if c[0] not in right_columns]
            if missing:
                differences.append(MartDifference(mart, f"columns missing on the right: {missing}", []))
                continue
            join = " and ".join(f"d.{k} = s.{k}" for k in keys)
            unmatched = con.execute(
                f"select {', '.join(f'coalesce(d.{k}, s.{k})' for k in keys)}, d.{keys[0]} is null as only_spark "
                f"from {left} d full outer join {right} s on {join} "
                f"where d.{keys[0]} is null or s.{keys[0]} is null limit 10").fetchall()
            if unmatched:
                differences.append(MartDifference(mart, "keys differ", unmatched))
            checks = []
            for name, kind, *_ in columns:
                if name in keys:
                    continue
                if any(t in kind.upper() for t in ("INT", "DOUBLE", "FLOAT", "DECIMAL", "REAL")):
                    checks.append(f"abs(cast(d.{name} as double) - cast(s.{name} as double)) > {TOLERANCE} "
                                  f"or (d.{name} is null) <> (s.{name} is null)")
                else:
                    checks.append(f"d.{name} is distinct from s.{name}")
            mismatched = con.execute(
                f"select {', '.join('d.' + k for k in keys)} from {left} d join {right} s on {join} "
                f"where {' or '.join(f'({c})' for c in checks)} limit 10").fetchall()
            if mismatched:
                differences.append(MartDifference(mart, "values differ", mismatched))
    finally:
        con.close()
    return differences
