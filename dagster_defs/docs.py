"""The auditor's documents, rebuilt by every run: dbt's documentation site (models, columns,
KPI definitions with the clause of the standard each implements, lineage) as one static
page under $KEFU_HOME/audit_docs/dbt/. Great Expectations' Data Docs are written by the checks
themselves (kefu.quality) under $KEFU_HOME/audit_docs/gx/<checkpoint>/."""

import os

from dagster import MaterializeResult, asset
from dagster_dbt import get_asset_key_for_model

from dagster_defs.dbt import dbt_resource, kefu_dbt_models
from kefu.build_state import project_changed, remember_project
from kefu.marts import mart_grain
from kefu.workspace import Workspace


@asset(
    key="dbt_docs",
    group_name="published",
    kinds={"dbt"},
    deps=[get_asset_key_for_model([kefu_dbt_models], mart) for mart in mart_grain()],
    description="dbt docs (static_index.html): every model, column and KPI definition, and the lineage graph.",
)
def dbt_docs() -> MaterializeResult:
    ws = Workspace.from_env()
    ws.activate()
    target = ws.audit_docs / "dbt"
    page, marker = target / "static_index.html", target / ".manifest"
    # the documents describe the models, so they are rebuilt when the models change (~8 s a
    # run; ~30 s on Spark, another session); KEFU_DBT_DOCS=never skips them (throwaway workspaces)
    rebuilt = os.environ.get("KEFU_DBT_DOCS") != "never" and (not page.exists() or project_changed(marker))
    if rebuilt:
        dbt_resource().cli(["docs", "generate", "--static", "--quiet"], target_path=target, raise_on_error=True).wait()
        remember_project(marker)
    return MaterializeResult(metadata={"path": str(page), "rebuilt": rebuilt})
