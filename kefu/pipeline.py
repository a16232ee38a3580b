"""Runs the Dagster job in-process: the same assets, checks and order as the daily schedule,
recorded in the workspace's Dagster instance, so `kefu ui` shows the run like its own."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field

import duckdb
from dagster import AssetCheckSeverity, DagsterInstance

from kefu.errors import PipelineFailed
from kefu.workarounds import sigterm_kept
from kefu.workspace import Workspace

__all__ = ["PipelineFailed", "PipelineRun", "run_pipeline"]  # PipelineFailed lives in kefu.errors

JOB = "kefu_pipeline"
INSTANCE_ENV = "KEFU_DAGSTER_INSTANCE"  # persistent (default) or ephemeral


@dataclass
class PipelineRun:
    run_id: str
    steps: int
    checks_run: int
    warnings: list[str] = field(default_factory=list)
    # per materialized asset ("marts/kpi_satisfaction"): its metadata (row count, schema, lineage)
    materializations: dict[str, dict] = field(default_factory=dict)
    # seconds each step took (raw__complaints, kefu_dbt_models, gx_kpi_marts, published_marts, …)
    step_seconds: dict[str, float] = field(default_factory=dict)
    # steps Dagster skipped: all those after dbt when there was nothing new (NOTHING_NEW)
    skipped: list[str] = field(default_factory=list)

    @property
    def nothing_new(self) -> bool:
        return "published_marts" in self.skipped


def run_pipeline(ws: Workspace, log_level: str = "WARNING") -> PipelineRun:
    ws.ensure().activate()
    from dagster_defs.definitions import defs  # imported late: it reads KEFU_HOME

    # KEFU_DAGSTER_INSTANCE=ephemeral records nothing (throwaway workspaces: the tests); each
    # of a run's ~900 events costs the SQLite instance a connection and a commit (~20 s a run)
    ephemeral = os.environ.get(INSTANCE_ENV) == "ephemeral"
    with (
        DagsterInstance.ephemeral() if ephemeral else DagsterInstance.from_config(str(ws.dagster_home)) as instance,
        sigterm_kept(),
    ):
        result = defs.resolve_job_def(JOB).execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        )
    failed = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed
    ]
    findings, failed_tests = dbt_test_findings(ws, result.run_id)
    # a failed check of WARN severity (e.g. events dated before receipt) is reported, not fatal
    failed_checks = [c for c in failed if c.severity == AssetCheckSeverity.ERROR]
    warned = [c for c in failed if c.severity != AssetCheckSeverity.ERROR]
    warnings = [
        f"check {c.asset_check_key.name} on {c.asset_key.to_user_string()} warns"
        + findings.get(c.asset_check_key.name, "")
        for c in warned
    ]
    # dbt tests that are no asset check (a singular test reading several models)
    checks_named = {c.asset_check_key.name for c in failed}
    warnings += [
        f"dbt test {name} warns{text}" for name, text in findings.items() if name not in failed_tests | checks_named
    ]
    if not result.success or failed_checks:
        problems = [
            f"step {e.step_key} failed: {_step_failure(e.event_specific_data.error, failed_tests)}"
            for e in result.all_events
            if e.event_type_value == "STEP_FAILURE"
        ]
        problems += [
            f"check {c.asset_check_key.name} on {c.asset_key.to_user_string()} failed"
            + findings.pop(c.asset_check_key.name, "")
            for c in failed_checks
        ]
        problems += [f"dbt test {name} failed{text}" for name, text in findings.items() if name in failed_tests]
        raise PipelineFailed(f"pipeline run {result.run_id} failed:\n  " + "\n  ".join(problems))
    checks = [e for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    steps = {e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"}
    materializations = {
        m.asset_key.to_user_string(): dict(m.metadata)
        for m in (
            e.event_specific_data.materialization
            for e in result.all_events
            if e.event_type_value == "ASSET_MATERIALIZATION"
        )
    }
    seconds = {
        e.step_key: round(e.event_specific_data.duration_ms / 1000, 2)
        for e in result.all_events
        if e.event_type_value == "STEP_SUCCESS"
    }
    skipped = sorted({e.step_key for e in result.all_events if e.event_type_value == "STEP_SKIPPED"})
    return PipelineRun(result.run_id, len(steps), len(checks), warnings, materializations, seconds, skipped)


SHOWN_ROWS = 5


def dbt_test_findings(ws: Workspace, run_id: str) -> tuple[dict[str, str], set[str]]:
    """For each dbt test that failed or warned in the run: its row count and first rows, as
    the test's own query returns them (the record, its landing file and row where the test
    selects them), so the message names what to fix. Read from the run's run_results.json;
    the rows are fetched from the DuckDB warehouse (read-only, after dbt has finished).
    Also returns the names of the tests that failed (not warned)."""
    results_file = ws.dbt_runs / run_id / "run_results.json"
    if not results_file.exists():
        return {}, set()
    found = [
        r
        for r in json.loads(results_file.read_text())["results"]
        if r["unique_id"].startswith("test.") and r["status"] in ("fail", "warn")
    ]
    findings = {}
    for r in found:
        count = r.get("failures") or 0
        text = f": {count:,} row{'' if count == 1 else 's'}"
        if ws.dbt_target == "duckdb" and r.get("compiled_code") and ws.warehouse_file.exists():
            try:
                with duckdb.connect(str(ws.warehouse_file), read_only=True) as con:
                    cursor = con.execute(f"select * from ({r['compiled_code']}) limit {SHOWN_ROWS}")
                    names = [d[0] for d in cursor.description]
                    text += "".join(
                        "\n      " + ", ".join(f"{n}={v}" for n, v in zip(names, row)) for row in cursor.fetchall()
                    )
            except duckdb.Error as e:  # the count still stands; say why the rows do not
                text += f" (rows not shown: {str(e).splitlines()[0]})"
        findings[r["unique_id"].split(".")[2]] = text
    return findings, {r["unique_id"].split(".")[2] for r in found if r["status"] == "fail"}


def _step_failure(error, failed_tests: set[str]) -> str:
    """What a failed step says to the person who runs it: for dbt, its own error lines (a
    model's database error), not dagster-dbt's wrapper and the command line; failed tests
    are listed after it with their rows (dbt_test_findings)."""
    message = _root_cause(error)
    if "DagsterDbtCliRuntimeError" not in message:
        return message
    log = re.search(r"view the dbt debug log: (\S+?)\.?$", message, re.M)
    parsed = message.split("Errors parsed from dbt logs:", 1)[1] if "Errors parsed from dbt logs:" in message else ""
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in parsed.splitlines()]
    lines = [
        line
        for line in lines
        if line and not line.startswith("Got ") and not any(test in line for test in failed_tests)
    ]
    return "dbt build failed" + (f" (log: {log.group(1)})" if log else "") + "".join(f"\n    {line}" for line in lines)


def _root_cause(error) -> str:
    """Dagster wraps the step's exception; the innermost message is the one that explains."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip()
