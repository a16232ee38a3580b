"""The dbt project as Dagster assets (dagster-dbt). dbt sources carry
``meta.dagster.asset_key: [raw, <extract>]``, so they are the ingest assets and the graph
runs from landing file to KPI mart; dbt tests become asset checks."""

import hashlib
import hmac
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliInvocation,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from dagster_dbt.core.dbt_event_iterator import DbtEventIterator

from kefu import project as kefu_project
from kefu.project import DBT_EXECUTABLE, project_digest
from kefu.workspace import DBT_PROJECT_DIR, Workspace

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)


def ensure_manifest() -> None:
    """Dagster builds the asset graph from the manifest: parse the project when it is stale.
    `dagster dev` re-parses on its own (prepare_if_dev)."""
    Workspace.from_env().activate()
    dbt_project.prepare_if_dev()
    kefu_project.ensure_manifest()


ensure_manifest()
LINEAGE_ENV = "KEFU_COLUMN_LINEAGE"  # on_change (default), always, or never (throwaway workspaces, tests)

LAYERS = ("staging", "intermediate", "core", "marts")  # dbt_project/models/<layer>/
KPI_FIELDS = ["name_zh", "name_en", "formula", "numerator", "denominator", "grain", "source", "owner"]


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
    # read when the tests compile (macros/test_scope.sql); in the environment only while dbt's
    # process starts, so that no other dbt command of this process inherits it
    os.environ[TESTS_AFTER_LOAD_ENV] = "" if rebuild else tests_after_load(ws) or ""
    try:
        invocation = dbt.cli(
            ["build", "--exclude-resource-type", "unit_test", *(["--full-refresh"] if rebuild else [])],
            context=context,
            target_path=target_path,
        )
    finally:
        del os.environ[TESTS_AFTER_LOAD_ENV]
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
        keep_parse_state(ws, target_path)
        prune_dbt_runs(ws.dbt_runs)
    if lineage:
        remember_project(lineage_marker)
    # reached only when dbt succeeded: a failed test leaves the old mark, so the next run re-tests
    remember_tested(ws, tested_through)
    remember_built_with(ws)


def finished_dbt_events(invocation: DbtCliInvocation) -> DbtEventIterator:
    """The run's Dagster events, read to the end of the dbt process before any metadata is
    fetched. dagster-dbt's fetchers (fetch_row_counts, fetch_column_metadata) wait for the end
    of a DuckDB run themselves, but in a loop that polls without sleeping
    (dagster._core.utils.imap while its queue is empty): measured at scale 100, that took
    half a core from dbt for the whole run on this 2-core machine. Reading the events here
    blocks on dbt's output instead. A failed run yields the events it produced, then fails
    as dbt did."""
    events, failure = [], None
    try:
        events.extend(invocation.stream())
    except Exception as error:  # re-raised after the events, as dagster-dbt does
        failure = error
    return DbtEventIterator(_then_raise(events, failure), invocation)


def _then_raise(events: list, failure: Exception | None):
    yield from events
    if failure is not None:
        raise failure


def newest_load(ws: Workspace) -> str | None:
    """The newest committed load in the lake (load ids sort by load time)."""
    return max((p.stem for p in ws.loads.glob("*/*.parquet")), default=None)


def _tested_marker(ws: Workspace) -> Path:
    return ws.warehouse_file.with_name(f".tested_through_load.{ws.dbt_target}.json")


def _warehouse_exists(ws: Workspace) -> bool:
    return (ws.warehouse_file if ws.dbt_target == "duckdb" else ws.spark_warehouse).exists()


# Bump when a model changes how it is stored (a table becomes incremental, an incremental
# model gains its month or fingerprint column): an incremental run cannot read state an
# older warehouse's tables do not hold, so such a warehouse gets one full rebuild.
WAREHOUSE_LAYOUT = 4  # 2: complaint, claim and inspection facts and the complaint bridges kept by month;
#                     complaint stages carry their unit and day
#                     3: the six slowest marts kept by month (hotspots, segments, repeat complaints,
#                     stage timeliness, service-quality dimensions and scores by line)
#                     4: calendar_coverage gains its status column (a seed table cannot gain a column
#                     in place); deadlines carry *_provisional flags


def _built_with_marker(ws: Workspace) -> Path:
    return ws.warehouse_file.with_name(f".built_with.{ws.dbt_target}.json")


def _built_with(ws: Workspace) -> dict:
    return {"pii_key_fingerprint": pii_key_fingerprint(ws), "layout": WAREHOUSE_LAYOUT}


def pii_key_fingerprint(ws: Workspace) -> str:
    """Tells PII keys apart without storing one: an HMAC of a fixed text under the key."""
    return hmac.new(ws.pii_key().encode(), b"kefu pii key fingerprint", "sha256").hexdigest()


def full_rebuild_reason(ws: Workspace) -> str | None:
    """Why an existing warehouse must be rebuilt whole, if it must. Another PII key: the
    incremental staging tables keep old rows as they were hashed, so after a key rotation a
    complainant's old and new complaints would no longer match (repeat complaints). Another
    layout: see WAREHOUSE_LAYOUT. Nothing recorded: built before these checks."""
    if not _warehouse_exists(ws):
        return None
    marker = _built_with_marker(ws)
    recorded = json.loads(marker.read_text()) if marker.exists() else {}
    if recorded.get("pii_key_fingerprint") != pii_key_fingerprint(ws):
        return "The PII key differs from the one this warehouse's customer keys were hashed with (or was not recorded)"
    if recorded.get("layout") != WAREHOUSE_LAYOUT:
        return f"Models changed how they are stored (warehouse layout {recorded.get('layout')} → {WAREHOUSE_LAYOUT})"
    return None


def remember_built_with(ws: Workspace) -> None:
    _built_with_marker(ws).write_text(json.dumps(_built_with(ws)))


TESTS_AFTER_LOAD_ENV = "KEFU_TESTS_AFTER_LOAD"


# Extracts whose new versions can make rows tested before wrong (a unit closed earlier than
# an old record's day, a staff move): a load of one of them tests every row again.
DIMENSION_EXTRACTS = ("org_units", "employees")


def tests_after_load(ws: Workspace) -> str | None:
    """The load after which the tests marked `where: __new_loads__` (macros/test_scope.sql)
    read rows: the newest one the last passing build tested. None (every row is tested) on
    the first build of a warehouse, after any change to the project (models, tests, seeds),
    after a new load of the org tree or the staff, and with KEFU_TEST_SCOPE=all. Passed in
    an environment variable, not a dbt var: a changed var makes dbt parse the whole project
    again (~4 s)."""
    marker = _tested_marker(ws)
    if os.environ.get("KEFU_TEST_SCOPE") == "all" or not marker.exists() or not _warehouse_exists(ws):
        return None
    tested = json.loads(marker.read_text())
    through = tested.get("through_load")
    if tested.get("project") != project_digest() or through is None:
        return None
    if any(p.stem > through for extract in DIMENSION_EXTRACTS for p in (ws.loads / extract).glob("*.parquet")):
        return None
    return through


def remember_tested(ws: Workspace, through_load: str | None) -> None:
    _tested_marker(ws).write_text(json.dumps({"through_load": through_load, "project": project_digest()}))


def _parse_state(ws: Workspace) -> Path:
    # per clone of the project too: the state holds absolute paths (seeds' root_path)
    clone = hashlib.sha256(str(DBT_PROJECT_DIR).encode()).hexdigest()[:12]
    return ws.dbt_runs / f"partial_parse.{ws.dbt_target}.{clone}.msgpack"


def reuse_parse_state(ws: Workspace, target_path: Path) -> None:
    """Start a run from the parse state of this workspace's last run, so dbt parses only the
    files that changed since. dagster-dbt would copy the project's target/ state instead,
    left by whatever workspace parsed last; the profile names the workspace, so dbt would
    then parse everything again (~4 s). dbt checks the state itself (files, profile, vars)."""
    if _parse_state(ws).exists():
        target_path.mkdir(parents=True, exist_ok=True)
        shutil.copy(_parse_state(ws), target_path / "partial_parse.msgpack")


def keep_parse_state(ws: Workspace, target_path: Path) -> None:
    if (target_path / "partial_parse.msgpack").exists():
        shutil.copy(target_path / "partial_parse.msgpack", _parse_state(ws))


KEPT_DBT_RUNS = 10


def prune_dbt_runs(runs: Path, keep: int = KEPT_DBT_RUNS) -> None:
    """Keep the newest ``keep`` dbt run folders of a workspace."""
    folders = sorted((p for p in runs.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in folders[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def project_changed(marker: Path) -> bool:
    """Whether the parsed dbt project differs from the one recorded in ``marker``."""
    return not marker.exists() or marker.read_text() != project_digest()


def remember_project(marker: Path) -> None:
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(project_digest())


def release_duckdb_adapter(invocation) -> None:
    """dagster-dbt reads that metadata through a dbt adapter in this process (after dbt has
    finished, on DuckDB). dbt-duckdb keeps its database open read-write for the life of the
    process, which would lock the checks and the publish step after it out of the warehouse
    ("different configuration than existing connections"); its close_all_connections()
    forgets the database without closing it, so close it here."""
    if invocation.adapter is None or invocation.adapter.type() != "duckdb":
        return
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    invocation.adapter.cleanup_connections()
    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None
