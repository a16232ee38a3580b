"""Runs the Dagster job in-process: the same assets, checks and order as the daily schedule."""
from __future__ import annotations

from dataclasses import dataclass, field

from dagster import AssetCheckSeverity

from kefu.workspace import Workspace

JOB = "kefu_pipeline"


class PipelineFailed(RuntimeError):
    pass


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


def run_pipeline(ws: Workspace, log_level: str = "WARNING") -> PipelineRun:
    ws.ensure().activate()
    from dagster_defs.definitions import defs  # imported late: it reads KEFU_HOME

    result = defs.resolve_job_def(JOB).execute_in_process(
        raise_on_error=False, run_config={"loggers": {"console": {"config": {"log_level": log_level}}}})
    failed = [e.event_specific_data for e in result.all_events
              if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed]
    # a failed check of WARN severity (e.g. events dated before receipt) is reported, not fatal
    failed_checks = [c for c in failed if c.severity == AssetCheckSeverity.ERROR]
    warnings = [f"check {c.asset_check_key.name} on {c.asset_key.to_user_string()} warns"
                for c in failed if c.severity != AssetCheckSeverity.ERROR]
    if not result.success or failed_checks:
        problems = [f"step {e.step_key} failed: {_root_cause(e.event_specific_data.error)}"
                    for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        problems += [f"check {c.asset_check_key.name} on {c.asset_key.to_user_string()} failed"
                     for c in failed_checks]
        raise PipelineFailed(f"pipeline run {result.run_id} failed:\n  " + "\n  ".join(problems))
    checks = [e for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    steps = {e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"}
    materializations = {m.asset_key.to_user_string(): dict(m.metadata) for m in
                        (e.event_specific_data.materialization for e in result.all_events
                         if e.event_type_value == "ASSET_MATERIALIZATION")}
    seconds = {e.step_key: round(e.event_specific_data.duration_ms / 1000, 2) for e in result.all_events
               if e.event_type_value == "STEP_SUCCESS"}
    return PipelineRun(result.run_id, len(steps), len(checks), warnings, materializations, seconds)


def _root_cause(error) -> str:
    """Dagster wraps the step's exception; the innermost message is the one that explains."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip()
