"""The dbt project as Dagster assets (dagster-dbt). dbt sources carry
``meta.dagster.asset_key: [raw, <extract>]``, so they are the ingest assets and the graph
runs from landing file to KPI mart; dbt tests become asset checks."""
import shutil
import sys
from pathlib import Path

from dagster import AssetExecutionContext
from dagster_dbt import (DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource,
                         DbtProject, dbt_assets)

from kefu.workspace import DBT_PROJECT_DIR, Workspace

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# the dbt installed beside this interpreter, so an un-activated .venv/bin/kefu finds it
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt") if (Path(sys.executable).parent / "dbt").exists() \
    else shutil.which("dbt") or "dbt"


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)


def ensure_manifest() -> None:
    """Parse the dbt project when its manifest is missing (a fresh clone): Dagster builds
    the asset graph from it. `dagster dev` re-parses on its own (prepare_if_dev)."""
    Workspace.from_env().activate()
    dbt_project.prepare_if_dev()
    if not dbt_project.manifest_path.exists():
        dbt_resource().cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()


ensure_manifest()


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project,
            dagster_dbt_translator=DagsterDbtTranslator(DagsterDbtTranslatorSettings(enable_asset_checks=True)))
def kefu_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource):
    Workspace.from_env().activate()  # KEFU_HOME and the PII key for the dbt subprocess
    # unit tests check SQL logic, not data: dbt recommends running them in development and
    # CI only (tests/test_dbt_unit_tests.py), not in every scheduled run
    yield from dbt.cli(["build", "--exclude-resource-type", "unit_test"], context=context).stream()
