"""Start the pipeline when extracts land: the usual Dagster way to react to new files. Off by
default, like the schedule; turn it on in `kefu ui` (Automation) or with
`dagster sensor start kefu_landing` and keep `dagster-daemon` running."""

import hashlib

from dagster import (
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from kefu.ingest import Ingestor
from kefu.workspace import Workspace

RUNNING = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]


def landing_sensor(job):
    @sensor(
        name="kefu_landing",
        job=job,
        minimum_interval_seconds=30,
        default_status=DefaultSensorStatus.STOPPED,
        description="Runs the pipeline when landing files appear or change that no load has read yet.",
    )
    def _landing(context: SensorEvaluationContext):
        pending = Ingestor(Workspace.from_env()).pending_files()
        if not pending:
            return SkipReason("no new landing files")
        # DuckDB has one writer: files that land during a run wait for the next tick
        if context.instance.get_runs(RunsFilter(job_name=job.name, statuses=RUNNING), limit=1):
            return SkipReason(f"{len(pending)} new landing file(s) wait for the run in progress")
        # the same set of files (names, sizes, times) never starts a second run
        key = hashlib.sha256("\n".join(pending).encode()).hexdigest()[:16]
        return RunRequest(run_key=key, tags={"kefu/trigger": "landing", "kefu/new_files": str(len(pending))})

    return _landing
