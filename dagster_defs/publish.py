"""The published snapshot: what BI readers open (never the warehouse file the pipeline writes)."""

from dagster import MaterializeResult, asset
from dagster_dbt import get_asset_key_for_model

from dagster_defs.dbt import kefu_dbt_models
from kefu.build_state import remember_published
from kefu.project import published_tables
from kefu.publish import publish_marts
from kefu.workspace import Workspace


@asset(
    key="published_marts",
    group_name="published",
    kinds={"duckdb"},
    deps=[get_asset_key_for_model([kefu_dbt_models], table) for table in published_tables()],
    description="Read-only copy of the KPI marts, and the reference tables they are joined with, for BI "
    "tools, every table and column commented in Chinese and English; replaced atomically after every "
    "successful run, so readers never hold the pipeline's file or see a half-built state.",
)
def published_marts() -> MaterializeResult:
    ws = Workspace.from_env()
    rows = publish_marts(ws)
    remember_published(ws)
    return MaterializeResult(metadata={f"rows_{table}": n for table, n in rows.items()})
