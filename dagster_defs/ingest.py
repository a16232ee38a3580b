"""One asset per raw extract: landing files → ``lake/raw/<extract>/`` (+ quarantine)."""

from dagster import AssetExecutionContext, AssetsDefinition, MaterializeResult, MetadataValue, asset

from kefu.contracts import contract, contracts
from kefu.ingest import Ingestor
from kefu.workspace import Workspace


class UnbalancedLoad(RuntimeError):
    pass


def ingest_asset(entity: str) -> AssetsDefinition:
    spec = contract(entity)

    @asset(
        key=["raw", entity],
        group_name="raw",
        kinds={"parquet"},
        description=f"{spec.title}. {spec.description} Grain: {', '.join(spec.grain)}.",
        metadata={"contract": f"kefu/contracts/{entity}.yml"},
    )
    def _ingest(context: AssetExecutionContext) -> MaterializeResult:
        results = Ingestor(Workspace.from_env()).ingest_extract(entity)
        loaded = [r for r in results if r.duplicate_of is None]
        for r in results:
            for warning in r.warnings:
                context.log.warning(warning)
            if r.rows_quarantined:
                context.log.warning(
                    f"{r.source_file}: {r.rows_quarantined} of {r.rows_read} rows quarantined "
                    f"(lake/quarantine/{entity}/{r.load_id}.parquet)"
                )
        unbalanced = [r for r in loaded if not r.balanced]
        if unbalanced:
            raise UnbalancedLoad(
                "; ".join(
                    f"{r.source_file}: read {r.rows_read} ≠ loaded {r.rows_loaded} + quarantined {r.rows_quarantined}"
                    for r in unbalanced
                )
            )
        return MaterializeResult(
            metadata={
                "files_loaded": len(loaded),
                "files_already_loaded": len(results) - len(loaded),
                "rows_read": sum(r.rows_read for r in loaded),
                "rows_loaded": MetadataValue.int(sum(r.rows_loaded for r in loaded)),
                "rows_quarantined": sum(r.rows_quarantined for r in loaded),
            }
        )

    return _ingest


ingest_assets = [ingest_asset(entity) for entity in sorted(contracts())]
