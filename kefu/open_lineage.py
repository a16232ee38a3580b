"""OpenLineage events of every dbt run, for an auditor's lineage tool (Marquez, DataHub, …):
what ran, on which inputs, into which outputs, with column lineage where the SQL parser reads
it. openlineage-dbt's own processor turns a finished run's artifacts (manifest.json,
run_results.json) into events, as its `dbt-ol` wrapper does after dbt; the pipeline runs dbt
through dagster-dbt, not dbt-ol, so the processor is called here on the run's target folder.
The events go to a file in the workspace (OpenLineage's file transport, one JSON event a
line), one per run: `lineage/<Dagster run id>.jsonl` (~2.7 MB a run at scale 0.1: START and
COMPLETE or FAIL for each model, seed and test). `OPENLINEAGE_URL` sends them to a server
(Marquez …) instead.
"""

from __future__ import annotations

import logging
import os
from importlib.metadata import version
from pathlib import Path

from kefu.workspace import DBT_PROJECT_DIR, Workspace

NAMESPACE = "kefu"
PIPELINE_JOB = "kefu_pipeline"  # the Dagster job (dagster_defs/definitions.py)
PRODUCER = f"https://github.com/OpenLineage/OpenLineage/tree/{version('openlineage-dbt')}/integration/dbt"


def events_file(ws: Workspace, run_id: str) -> Path:
    return ws.home / "lineage" / f"{run_id}.jsonl"


def emit_dbt_run(ws: Workspace, target_path: Path) -> Path | None:
    """Emit the OpenLineage events of the dbt run whose artifacts are in ``target_path`` (the
    run's folder, named by its run id); returns the file written (None when sent to a server,
    or when dbt stopped before writing its artifacts)."""
    from openlineage.client import OpenLineageClient
    from openlineage.client.transport.file import FileConfig, FileTransport
    from openlineage.common.provider.dbt import DbtLocalArtifactProcessor, ParentRunMetadata

    if not (target_path / "run_results.json").exists():
        return None
    processor = DbtLocalArtifactProcessor(
        producer=PRODUCER,
        job_namespace=NAMESPACE,
        project_dir=str(DBT_PROJECT_DIR),
        target=ws.dbt_target,
        target_path=str(target_path),
        skip_errors=True,  # a node it cannot read loses its event, not the run
        logger=logging.getLogger("kefu.open_lineage"),
    )
    # each model's run points to the pipeline run that ran dbt (the folder's name is its id)
    processor.dbt_run_metadata = ParentRunMetadata(
        run_id=target_path.name, job_name=PIPELINE_JOB, job_namespace=NAMESPACE
    )
    events = processor.parse().events()
    _with_rules_read(events, processor.manifest, processor.dataset_namespace)
    written = None if os.environ.get("OPENLINEAGE_URL") else events_file(ws, target_path.name)
    if written is None:
        client = OpenLineageClient()
    else:
        written.parent.mkdir(parents=True, exist_ok=True)
        client = OpenLineageClient(transport=FileTransport(FileConfig(log_file_path=str(written), append=True)))
    for event in events:
        client.emit(event)
    return written


def _with_rules_read(events: list, manifest: dict, namespace: str) -> None:
    """openlineage-dbt names a model's model and source parents as its inputs, not the seeds it
    reads; here those are the rules (deadlines, weights, thresholds …), which an auditor tracing
    a figure must see among its inputs. Add them to each model's events."""
    from openlineage.client.event_v2 import InputDataset

    def relation(node: dict) -> str:
        return f"{node['database']}.{node['schema']}.{node.get('alias') or node['name']}"

    nodes = manifest["nodes"]
    models = {relation(n): n for uid, n in nodes.items() if uid.startswith("model.")}
    for event in events:
        model = models.get(event.outputs[0].name) if event.outputs else None
        if model is None:
            continue
        named = {i.name for i in event.inputs}
        for parent in model["depends_on"]["nodes"]:
            if parent.startswith("seed.") and relation(nodes[parent]) not in named:
                event.inputs.append(InputDataset(namespace=namespace, name=relation(nodes[parent])))
