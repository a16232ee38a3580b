"""The published snapshot: what BI readers open (never the warehouse file the pipeline writes)."""
from dagster import MaterializeResult, asset

from dagster_defs.checks import KPI_KEYS
from kefu.publish import publish_marts
from kefu.workspace import Workspace


@asset(key="published_marts", group_name="published", kinds={"duckdb"},
       deps=list(KPI_KEYS.values()),
       description="Read-only copy of the KPI marts for BI tools, replaced atomically after every "
                   "successful run, so readers never hold the pipeline's file or see a half-built state.")
def published_marts() -> MaterializeResult:
    rows = publish_marts(Workspace.from_env())
    return MaterializeResult(metadata={f"rows_{table}": n for table, n in rows.items()})
