"""Great Expectations checkpoints over the raw lake and the KPI marts.

Suites are GX's own JSON (``expectations/suites/``); a checkpoint file
(``expectations/checkpoints/``) names the suites it runs and the data each one checks: a
raw extract in the lake (``{"lake": "complaints"}``, read by DuckDB straight from Parquet)
or a warehouse table (``{"table": "marts.kpi_complaint_rate"}``, opened read-only; on the Spark target, Spark's
Parquet output of that table). GX
turns every expectation into SQL that DuckDB runs; no table is pulled into pandas.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass

from kefu.gx_docs import make_offline
from kefu.marts import mart_sql
from kefu.project import Mart, marts
from kefu.workarounds import install_duckdb_result_buffering
from kefu.workspace import EXPECTATIONS_DIR, Workspace

EACH_KPI_MART = "kpi_mart"  # a checkpoint's "each": one validation per KPI mart of the dbt project


@dataclass
class ExpectationOutcome:
    suite: str
    data: str
    expectation: str
    kwargs: dict
    success: bool
    observed: dict


@dataclass
class CheckpointOutcome:
    name: str
    success: bool
    outcomes: list[ExpectationOutcome]

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    def describe(self) -> str:
        lines = [
            f"checkpoint {self.name}: {'passed' if self.success else 'FAILED'} "
            f"({len(self.outcomes) - len(self.failures)}/{len(self.outcomes)} expectations met)"
        ]
        for f in self.failures:
            observed = {
                k: v
                for k, v in f.observed.items()
                if k in ("observed_value", "unexpected_count", "partial_unexpected_list", "error")
            }
            lines.append(f"  {f.data}: {f.expectation} {f.kwargs} → {observed}")
        return "\n".join(lines)


def checkpoint_names() -> list[str]:
    return sorted(p.stem for p in (EXPECTATIONS_DIR / "checkpoints").glob("*.json"))


def validations(name: str) -> list[dict]:
    """What a checkpoint validates: the suites and data its file lists, or, for a checkpoint of
    ``"each": "kpi_mart"``, every KPI mart the dbt project declares (a new KPI is checked
    without an edit here)."""
    doc = json.loads((EXPECTATIONS_DIR / "checkpoints" / f"{name}.json").read_text(encoding="utf-8"))
    if doc.get("each") == EACH_KPI_MART:
        return [{"suite": mart, "data": {"table": f"marts.{mart}"}} for mart in marts()]
    return doc["validations"]


def checkpoint_tables(name: str) -> list[str]:
    """The tables a checkpoint validates (e.g. marts.kpi_satisfaction)."""
    return [v["data"]["table"] for v in validations(name)]


def suite(name: str) -> dict:
    """A suite as GX reads it. A KPI mart's starts from what its .yml says (mart_expectations),
    then adds expectations/suites/<mart>.json's, which hold only what no dbt test says."""
    path = EXPECTATIONS_DIR / "suites" / f"{name}.json"
    doc = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"name": name, "expectations": []}
    if name in marts():
        doc["expectations"] = mart_expectations(marts()[name]) + doc["expectations"]
    return doc


def mart_expectations(mart: Mart) -> list[dict]:
    """The mart's dbt data tests restated as GX expectations, so the Data Docs an auditor reads
    (and the Dagster check on each mart) show them. (Whether a mart may be empty is the suite
    file's to say: a complaints-only workspace has no claims.)"""
    out = []
    for test, column, args in mart.data_tests:
        if test == "unique_combination":
            out.append(_expect("expect_compound_columns_to_be_unique", column_list=args["columns"]))
        elif test == "valid_rate":
            numerator, denominator = args.get("numerator", "numerator"), args.get("denominator", "denominator")
            rate = args.get("rate", "rate")
            out += [
                _expect("expect_column_values_to_not_be_null", column=numerator),
                _expect("expect_column_values_to_not_be_null", column=denominator),
                _expect("expect_column_values_to_be_between", column=numerator, min_value=0),
                _expect(
                    "expect_column_values_to_be_between",
                    column=rate,
                    min_value=0,
                    **({"max_value": 1} if args.get("proportion", True) else {}),
                ),
            ]
        elif test == "not_below":
            out.append(_expect("expect_column_values_to_be_between", column=column, min_value=args["min_value"]))
        elif test == "accepted_range_0_100":
            out.append(_expect("expect_column_values_to_be_between", column=column, min_value=0, max_value=100))
        elif test == "accepted_values":
            out.append(_expect("expect_column_values_to_be_in_set", column=column, value_set=args["values"]))
        elif test == "not_null":
            out.append(_expect("expect_column_values_to_not_be_null", column=column))
    return out


def _expect(kind: str, **kwargs) -> dict:
    return {"type": kind, "kwargs": kwargs}


GX_DOCS_ENV = "KEFU_GX_DOCS"  # always (default) or never


def run_checkpoint(ws: Workspace, name: str) -> CheckpointOutcome:
    import great_expectations as gx

    install_duckdb_result_buffering()
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    # Data Docs for auditors, rebuilt every run (below); a site per checkpoint (a site is
    # rebuilt from what its context ran, so a shared site would keep only the last checkpoint)
    context.add_data_docs_site(
        site_name="kefu",
        site_config={
            "class_name": "SiteBuilder",
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(ws.audit_docs / "gx" / name),
            },
        },
    )
    sources = {}

    def source(name: str):  # created on first use: a raw check must not need the warehouse file
        if name not in sources:
            url = "duckdb:///:memory:" if name == "lake" else f"duckdb:///{ws.warehouse_file}"
            sources[name] = context.data_sources.add_sql(
                name=name, connection_string=url, kwargs={"connect_args": {"read_only": name != "lake"}}
            )
        return sources[name]

    definitions = []
    for validation in validations(name):
        expectations = context.suites.add(gx.ExpectationSuite(**suite(validation["suite"])))
        data = validation["data"]
        if "lake" in data:
            label = f"lake/raw/{data['lake']}"
            query = f"select * from read_parquet('{ws.raw / data['lake']}/*.parquet', union_by_name = true)"
            asset = source("lake").add_query_asset(name=data["lake"], query=query)
        else:
            # a query asset, not a table asset: GX's column reflection drops the schema name
            label = data["table"]
            if ws.engine == "spark":  # Spark's Parquet tables, read in place by DuckDB
                query = f"select * from {mart_sql(ws, label.split('.')[-1])}"
                asset = source("lake").add_query_asset(name=label, query=query)
            else:
                asset = source("warehouse").add_query_asset(name=label, query=f"select * from {label}")
        batch = asset.add_batch_definition_whole_table("all")
        definitions.append(
            context.validation_definitions.add(
                gx.ValidationDefinition(name=f"{label}:{expectations.name}", data=batch, suite=expectations)
            )
        )
    try:
        # BASIC: the counts and the first unexpected values, all an outcome reports; SUMMARY's
        # value counts cost a query per expectation (~1 s of the marts' 5 s at test scale)
        checkpoint = gx.Checkpoint(name=name, validation_definitions=definitions, result_format="BASIC")
        result = context.checkpoints.add(checkpoint).run()
        # built once, not by GX's UpdateDataDocsAction: that action rebuilds the site's index
        # and pages once per validation (19 times for the marts), 5 of the checkpoint's 8 s
        # at scale 100. KEFU_GX_DOCS=never skips them (throwaway workspaces, tests)
        if os.environ.get(GX_DOCS_ENV) != "never":
            context.build_data_docs(site_names=["kefu"])
            make_offline(ws.audit_docs / "gx" / name)
    finally:
        # close pooled connections: DuckDB has one writer per file, and a connection left
        # open here would block the next pipeline run (and clash with other readers)
        for datasource in sources.values():
            datasource.get_execution_engine().engine.dispose()
            datasource.get_engine().dispose()
    outcomes = []
    for run_result in result.run_results.values():
        label = run_result.meta["active_batch_definition"]["data_asset_name"]
        for r in run_result.results:
            cfg = r.expectation_config
            observed = dict(r.result)
            if r.exception_info.get("raised_exception"):
                observed["error"] = r.exception_info.get("exception_message")
            else:  # GX keys its exception info by metric when several metrics were resolved
                errors = [
                    e["exception_message"]
                    for e in r.exception_info.values()
                    if isinstance(e, dict) and e.get("raised_exception")
                ]
                if errors:
                    observed["error"] = errors[0]
            outcomes.append(
                ExpectationOutcome(
                    run_result.suite_name,
                    label,
                    cfg.type,
                    {k: v for k, v in cfg.kwargs.items() if k != "batch_id"},
                    bool(r.success),
                    observed,
                )
            )
    return CheckpointOutcome(name, bool(result.success), outcomes)
