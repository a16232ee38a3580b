"""The semantic layer: MetricFlow's metrics (each rate mart's .yml: a simple metric for its
numerator and its denominator, a ratio metric for its rate; the org tree and a daily time
spine from models/reference/) answered from the published snapshot (`kefu metrics`).

MetricFlow plans the query and writes the SQL. Its own command (`mf`, dbt-metricflow) would
run that SQL through a dbt adapter on the warehouse file the pipeline writes, which readers must
never hold; so the SQL runs here on an in-memory DuckDB where each relation the semantic manifest
names ("kefu"."marts"."kpi_complaint_rate" …) is a view of the snapshot's table, attached
read-only. The client below is MetricFlow's SqlClient protocol over that connection.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import duckdb
import pandas as pd

from kefu.errors import UserError
from kefu.workspace import Workspace


class SnapshotSqlClient:
    """MetricFlow's SqlClient (metricflow.protocols.sql_client) over the published snapshot."""

    def __init__(self, snapshot: Path, relations: set[tuple[str | None, str, str]]):
        from metricflow.protocols.sql_client import SqlEngine
        from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer

        self.sql_engine_type = SqlEngine.DUCKDB
        self.sql_plan_renderer = DuckDbSqlPlanRenderer()
        self._con = duckdb.connect(config={"enable_external_access": "true"})
        self._con.execute(f"attach '{snapshot}' as snapshot (read_only)")
        published = {
            t
            for (t,) in self._con.execute(
                "select table_name from duckdb_tables() where database_name = 'snapshot'"
            ).fetchall()
        }
        missing = sorted({table for _, _, table in relations} - published)
        if missing:
            raise UserError(
                f"{snapshot} has no {', '.join(missing)} (published before the semantic layer): run `kefu build`"
            )
        for database, schema, table in sorted(relations, key=str):
            name = f'"{database}"' if database else "memory"
            if database:
                self._con.execute(f"attach if not exists ':memory:' as {name}")
            self._con.execute(f'create schema if not exists {name}."{schema}"')
            self._con.execute(f'create view {name}."{schema}"."{table}" as select * from snapshot.main."{table}"')
        self._con.execute("set enable_external_access = false")  # the snapshot only, from here on

    def query(self, stmt: str, sql_bind_parameter_set=None):
        from metricflow.data_table.mf_table import MetricFlowDataTable

        cursor = self._con.execute(stmt, self._params(sql_bind_parameter_set))
        columns = [d[0] for d in cursor.description]
        return MetricFlowDataTable.create_from_rows(column_names=columns, rows=cursor.fetchall())

    def execute(self, stmt: str, sql_bind_parameter_set=None) -> None:
        self._con.execute(stmt, self._params(sql_bind_parameter_set))

    def dry_run(self, stmt: str, sql_bind_parameter_set=None) -> None:
        self._con.execute(f"explain {stmt}", self._params(sql_bind_parameter_set))

    def close(self) -> None:
        self._con.close()

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f"${bind_parameter_key}"

    @staticmethod
    def _params(bind_parameters) -> dict:
        return dict(bind_parameters.param_dict) if bind_parameters is not None else {}


def semantic_manifest_file() -> Path:
    """The project's semantic manifest, which dbt parse writes beside the manifest kefu reads."""
    from kefu.project import ensure_manifest

    return ensure_manifest().with_name("semantic_manifest.json")


def engine(ws: Workspace):
    from metricflow.engine.metricflow_engine import MetricFlowEngine
    from metricflow_semantics.model.dbt_manifest_parser import parse_manifest_from_dbt_generated_manifest
    from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

    ws.require_published()
    raw = semantic_manifest_file().read_text(encoding="utf-8")
    relations = {
        (r["database"], r["schema_name"], r["alias"])
        for r in [m["node_relation"] for m in json.loads(raw)["semantic_models"]]
        + [s["node_relation"] for s in json.loads(raw)["project_configuration"]["time_spines"]]
    }
    manifest = parse_manifest_from_dbt_generated_manifest(manifest_json_string=raw)
    return MetricFlowEngine(SemanticManifestLookup(manifest), SnapshotSqlClient(ws.published_file, relations))


def query(
    ws: Workspace,
    metrics: list[str],
    group_by: list[str],
    where: list[str] | None = None,
    order_by: list[str] | None = None,
) -> tuple[pd.DataFrame, str]:
    """The metrics by the group-bys (MetricFlow's names: org, metric_time__quarter,
    org__org_level …), ordered by them unless told otherwise, as a frame, with the SQL
    MetricFlow wrote."""
    from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

    mf = engine(ws)
    known = {m.name for m in mf.list_metrics()}
    for name in metrics:
        if name not in known:
            parts = ("_numerator", "_denominator")  # suggest a rate unless a part was asked for
            candidates = known if name.endswith(parts) else [k for k in known if not k.endswith(parts)]
            close = difflib.get_close_matches(name, candidates, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise UserError(f"no metric {name}{hint}: `kefu metrics` lists them")
    try:
        result = mf.query(
            MetricFlowQueryRequest.create(
                metric_names=metrics,
                group_by_names=group_by,
                where_constraints=where,
                order_by_names=order_by or group_by,
            )
        )
    except Exception as error:  # MetricFlow's own messages say which name or filter it could not resolve
        raise UserError(" ".join(str(error).split())[:1500]) from None
    table = result.result_df
    return pd.DataFrame(list(table.rows), columns=list(table.column_names)), result.sql
