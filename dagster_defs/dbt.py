"""The dbt project as Dagster assets (dagster-dbt). dbt sources carry
``meta.dagster.asset_key: [raw, <extract>]``, so they are the ingest assets and the graph
runs from landing file to KPI mart; dbt tests become asset checks."""

import os
from collections.abc import Mapping
from typing import Any

from dagster import AssetExecutionContext
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from kefu import project as kefu_project
from kefu.build_state import (
    TESTS_AFTER_LOAD_ENV,
    build_inputs,
    full_rebuild_reason,
    keep_parse_state,
    newest_load,
    nothing_new,
    project_changed,
    prune_dbt_runs,
    remember_built,
    remember_built_with,
    remember_project,
    remember_tested,
    reuse_parse_state,
    tests_after_load,
)
from kefu.project import DBT_EXECUTABLE
from kefu.workarounds import (
    DbtCliResourceOfThisEnvironment,
    finished_dbt_events,
    quiet_unrun_blocking_checks,
    release_duckdb_adapter,
)
from kefu.workspace import DBT_PROJECT_DIR, Workspace

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_resource() -> DbtCliResource:
    return DbtCliResourceOfThisEnvironment(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)


def ensure_manifest() -> None:
    """Dagster builds the asset graph from the manifest: parse the project when it is stale.
    `dagster dev` re-parses on its own (prepare_if_dev)."""
    Workspace.from_env().activate()
    dbt_project.prepare_if_dev()
    kefu_project.ensure_manifest()


ensure_manifest()
LINEAGE_ENV = "KEFU_COLUMN_LINEAGE"  # on_change (default), always, or never (throwaway workspaces, tests)

NOTHING_NEW = (
    "Nothing new since the last published build (the same loads, models, rules, suites and "
    "settings): models, checks and publication skipped. `kefu build --force` runs them anyway."
)
LAYERS = ("staging", "intermediate", "core", "marts", "reference")  # dbt_project/models/<layer>/
KPI_FIELDS = ["name_zh", "name_en", "formula", "numerator", "denominator", "unit", "grain", "source", "owner"]


class KefuDbtTranslator(DagsterDbtTranslator):
    """dbt's descriptions, plus each KPI's definition (config.meta.kpi) as the asset's
    description and metadata: the same text in dbt docs, Dagster and `kefu trace`."""

    @staticmethod
    def _kpi(props: Mapping[str, Any]) -> dict:
        return (props.get("config") or {}).get("meta", {}).get("kpi") or props.get("meta", {}).get("kpi") or {}

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        kpi = self._kpi(dbt_resource_props)
        text = super().get_description(dbt_resource_props)
        if not kpi:
            return text
        lines = [f"- **{field}**: {kpi[field]}" for field in KPI_FIELDS if field in kpi]
        return f"{text}\n\n**KPI definition**\n\n" + "\n".join(lines)

    def get_metadata(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, Any]:
        kpi = self._kpi(dbt_resource_props)
        return {**super().get_metadata(dbt_resource_props), **{f"kpi/{k}": v for k, v in kpi.items()}}

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        """The layer, as the UI's asset groups: raw (ingest) → staging → core → marts →
        published, and the rule seeds as `rules`."""
        if dbt_resource_props["resource_type"] == "seed":
            return "rules"
        fqn = dbt_resource_props.get("fqn") or []
        return fqn[1] if len(fqn) > 2 and fqn[1] in LAYERS else super().get_group_name(dbt_resource_props)

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        # Dagster tag values allow only [A-Za-z0-9_.-]: the KPI's Chinese name is in its
        # metadata (kpi/name_zh) and description; the tag selects KPI assets (tag:kpi=…)
        tags = dict(super().get_tags(dbt_resource_props))
        if self._kpi(dbt_resource_props):
            tags["kpi"] = dbt_resource_props["name"].removeprefix("kpi_")
        return tags


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=KefuDbtTranslator(DagsterDbtTranslatorSettings(enable_asset_checks=True)),
)
def kefu_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource):
    ws = Workspace.from_env()
    ws.activate()  # KEFU_HOME and the PII key for the dbt subprocess
    inputs = build_inputs(ws)
    if not context.is_subset and nothing_new(ws, inputs):
        # no output: Dagster skips the checks, the documents and the publication downstream
        context.log.info(NOTHING_NEW)
        quiet_unrun_blocking_checks(context.op.name, "gx_kpi_marts")
        return
    # unit tests check SQL logic, not data: dbt recommends running them in development and
    # CI only (tests/test_dbt_unit_tests.py), not in every scheduled run
    # in the workspace, not the repository's target/ (each run leaves ~12 MB); the recent ones are
    # kept for profiling (run_results.json) and the rest pruned
    tested_through = newest_load(ws)
    rebuild = full_rebuild_reason(ws)
    if rebuild:
        context.log.warning(f"{rebuild}: rebuilding every model from the lake (--full-refresh).")
    target_path = ws.dbt_runs / context.run.run_id
    reuse_parse_state(ws, target_path)
    # in the environment only while dbt's process starts, so that no other dbt command of this
    # process inherits them: the tests' scope, read when they compile (macros/test_scope.sql),
    # and the run's dbt.log at info level unless DBT_LOG_LEVEL_FILE says otherwise (dbt's
    # default, debug, writes every statement's SQL: 10 MB a run at test scale and ~10% of it)
    started_with = {
        TESTS_AFTER_LOAD_ENV: "" if rebuild else tests_after_load(ws) or "",
        "DBT_LOG_LEVEL_FILE": os.environ.get("DBT_LOG_LEVEL_FILE", "info"),
    }
    kept = {name: os.environ.get(name) for name in started_with}
    os.environ.update(started_with)
    try:
        invocation = dbt.cli(
            ["build", "--exclude-resource-type", "unit_test", *(["--full-refresh"] if rebuild else [])],
            context=context,
            target_path=target_path,
        )
    finally:
        for name, value in kept.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value
    events = invocation.stream()
    lineage_marker = ws.warehouse_file.with_name(".column_lineage.manifest")
    when = os.environ.get(LINEAGE_ENV, "on_change")
    lineage = ws.dbt_target == "duckdb" and when != "never" and (when == "always" or project_changed(lineage_marker))
    if ws.dbt_target == "duckdb":
        # row counts on every model's asset, and column schemas + column-level lineage (sqlglot)
        # when the models changed: lineage is a property of the SQL, not of the data, and it
        # costs ~19 s a run at scale 1 (KEFU_COLUMN_LINEAGE=always to fetch it every run, never
        # to skip it: ~30 s of a first build at test scale).
        # Read through a dbt adapter in this process once dbt is done; not on Spark, where
        # that adapter would start a second Spark session on the same embedded metastore.
        events = finished_dbt_events(invocation).fetch_row_counts()
        if lineage:
            events = events.fetch_column_metadata()
    try:
        yield from events
    finally:
        release_duckdb_adapter(invocation)
        _emit_open_lineage(context, ws, target_path)
        keep_parse_state(ws, target_path)
        prune_dbt_runs(ws.dbt_runs)
    if lineage:
        remember_project(lineage_marker)
    # reached only when dbt succeeded: a failed test leaves the old mark, so the next run re-tests
    remember_tested(ws, tested_through)
    remember_built_with(ws)
    if not context.is_subset:  # a few models materialized from the UI do not make the day's build
        remember_built(ws, inputs)


OPEN_LINEAGE_ENV = "KEFU_OPENLINEAGE"  # on (default) or never (throwaway workspaces, tests)


def _emit_open_lineage(context: AssetExecutionContext, ws: Workspace, target_path) -> None:
    """The run's OpenLineage events (kefu/open_lineage.py), succeeded or failed: lineage is a
    record of what ran, so a failure to write it warns and never fails the day."""
    if os.environ.get(OPEN_LINEAGE_ENV, "on") == "never":
        return
    from kefu.open_lineage import emit_dbt_run

    try:
        written = emit_dbt_run(ws, target_path)
    except Exception as error:  # the events are a record, not the product
        context.log.warning(f"OpenLineage events not written: {type(error).__name__}: {error}")
        return
    context.log.info(f"OpenLineage events of the dbt run: {written or os.environ.get('OPENLINEAGE_URL')}")
