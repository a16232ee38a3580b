"""Great Expectations checkpoints as Dagster asset checks. The raw check blocks: when the
raw complaints break their contract, the dbt models downstream are not built."""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    asset_check,
    multi_asset_check,
)
from dagster_dbt import get_asset_key_for_model

from dagster_defs.dbt import kefu_dbt_models
from kefu.contracts import contracts
from kefu.quality import CheckpointOutcome, checkpoint_tables, run_checkpoint
from kefu.reconcile import reconcile
from kefu.workspace import Workspace

KPI_MARTS = [table.split(".")[-1] for table in checkpoint_tables("kpi_marts")]
KPI_KEYS = {mart: get_asset_key_for_model([kefu_dbt_models], mart) for mart in KPI_MARTS}


def _metadata(outcome: CheckpointOutcome, data: str | None = None) -> dict:
    mine = [o for o in outcome.outcomes if data is None or o.data == data]
    return {
        "expectations": len(mine),
        "failed": len([o for o in mine if not o.success]),
        "report": MetadataValue.md("```\n" + outcome.describe() + "\n```"),
    }


@asset_check(
    asset=AssetKey(["raw", "complaints"]),
    name="gx_raw_complaints",
    blocking=True,
    description="Great Expectations suite raw_complaints (expectations/suites/raw_complaints.json).",
)
def gx_raw_complaints() -> AssetCheckResult:
    outcome = run_checkpoint(Workspace.from_env(), "raw_complaints")
    return AssetCheckResult(passed=outcome.success, severity=AssetCheckSeverity.ERROR, metadata=_metadata(outcome))


@multi_asset_check(
    specs=[
        AssetCheckSpec(
            name="gx_kpi_suite", asset=KPI_KEYS[mart], blocking=True, description=f"Great Expectations suite {mart}"
        )
        for mart in KPI_MARTS
    ]
)
def gx_kpi_marts():
    outcome = run_checkpoint(Workspace.from_env(), "kpi_marts")
    for mart in KPI_MARTS:
        mine = [o for o in outcome.outcomes if o.data == f"marts.{mart}"]
        yield AssetCheckResult(
            asset_key=KPI_KEYS[mart],
            check_name="gx_kpi_suite",
            passed=all(o.success for o in mine),
            severity=AssetCheckSeverity.ERROR,
            metadata=_metadata(outcome, f"marts.{mart}"),
        )


@multi_asset_check(
    specs=[
        AssetCheckSpec(
            name="reconciliation",
            asset=AssetKey(["raw", entity]),
            blocking=True,
            description="rows read = loaded + quarantined, and the lake and "
            "quarantine hold exactly what the load log says",
        )
        for entity in sorted(contracts())
    ]
)
def raw_reconciliation():
    result = reconcile(Workspace.from_env())
    report = MetadataValue.md("```\n" + result.describe() + "\n```")
    for entity in sorted(contracts()):
        mine = [r for r in result.loads if r["entity"] == entity]
        yield AssetCheckResult(
            asset_key=AssetKey(["raw", entity]),
            check_name="reconciliation",
            passed=all(r["ok"] for r in mine),
            severity=AssetCheckSeverity.ERROR,
            metadata={
                "loads": len(mine),
                "rows_read": sum(r["rows_read"] for r in mine),
                "rows_quarantined": sum(r["rows_quarantined"] for r in mine),
                "report": report,
            },
        )
