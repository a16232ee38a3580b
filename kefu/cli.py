"""`kefu` (客服): the command-line face of the warehouse."""

from __future__ import annotations

import argparse
import contextlib
import errno
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from kefu.errors import PipelineFailed, UserError, output_path
from kefu.workspace import DBT_PROJECT_DIR, SEEDS_DIR, Workspace


def cmd_generate(args, ws: Workspace) -> None:
    from kefu.generate import generate

    out = Path(args.out) if args.out else ws.landing
    started = time.perf_counter()
    rows = generate(args.scale, args.seed, out)
    seconds = time.perf_counter() - started
    print(
        f"generated {sum(rows.values()):,} rows in {seconds:.1f}s into {out}: "
        + ", ".join(f"{k} {v:,}" for k, v in rows.items())
    )


def cmd_ingest(args, ws: Workspace) -> None:
    from kefu.ingest import Ingestor
    from kefu.mapping import MappingError, load_mapping

    if bool(args.mapping) != bool(args.input):
        sys.exit("kefu ingest: give both --mapping FILE and INPUT, or neither (the landing folder)")
    try:
        results = (
            Ingestor(ws).ingest_mapped(load_mapping(Path(args.mapping)), Path(args.input))
            if args.mapping
            else Ingestor(ws).ingest_landing()
        )
    except MappingError as e:
        sys.exit(f"kefu ingest: {e}")
    for r in results:
        if r.duplicate_of is not None:
            print(f"{r.entity}: skipped {r.source_file}: the same content was loaded before from {r.duplicate_of}")
    loaded = [r for r in results if r.duplicate_of is None]
    for r in loaded:
        for warning in r.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    from kefu.reconcile import quarantined_summary

    held = [ws.quarantine / r.entity / f"{r.load_id}.parquet" for r in loaded if r.rows_quarantined]
    for line in quarantined_summary([str(p) for p in held if p.exists()]):
        print(line)
    print(
        f"{len(loaded)} loads ({len(results) - len(loaded)} already loaded): "
        f"{sum(r.rows_read for r in loaded):,} rows read, {sum(r.rows_loaded for r in loaded):,} loaded, "
        f"{sum(r.rows_quarantined for r in loaded):,} quarantined"
    )


def cmd_build(args, ws: Workspace) -> None:
    from kefu.build_state import FORCE_ENV
    from kefu.pipeline import run_pipeline

    # dbt's ~500 lines of progress go to a log file, not the terminal: a person sees where the
    # time went, the warnings and, on failure, the one message that names what failed
    log = ws.ensure().warehouse_file.parent / "last_build.log"
    print(f"building {ws.home} (full log: {log})", flush=True)
    if getattr(args, "force", False):
        os.environ[FORCE_ENV] = "1"
    with open(log, "w", encoding="utf-8") as out, contextlib.redirect_stdout(DbtProgress(out, sys.stdout)):
        run = run_pipeline(ws, log_level="CRITICAL")
    if run.nothing_new:
        print("  nothing new since the last build: models, checks and publication skipped (--force runs them)")
    for warning in run.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    phases = {
        "ingest": sum(t for step, t in run.step_seconds.items() if step.startswith("raw")),
        "dbt": run.step_seconds.get("kefu_dbt_models", 0.0),
        "checks": sum(t for step, t in run.step_seconds.items() if step.startswith("gx_")),
        "docs and publish": run.step_seconds.get("dbt_docs", 0.0) + run.step_seconds.get("published_marts", 0.0),
    }
    print("  " + " · ".join(f"{phase} {seconds:.1f} s" for phase, seconds in phases.items()))
    print(
        f"pipeline run {run.run_id}: {run.steps} steps, {run.checks_run - len(run.warnings)} checks passed"
        + (f", {len(run.warnings)} warned" if run.warnings else "")
    )


class DbtProgress(io.TextIOBase):
    """The build's output goes to its log; the terminal gets one line of dbt's progress,
    redrawn in place on a terminal, or a line at each quarter in a CI log."""

    NODE = re.compile(r"\b(\d+) of (\d+) (?:OK|PASS|WARN|ERROR|FAIL|SKIP)\b(?! hook)")

    def __init__(self, log, terminal):
        self.log, self.terminal, self.shown, self.total = log, terminal, 0, 0

    def write(self, text: str) -> int:
        self.log.write(text)
        for match in self.NODE.finditer(text):
            done, total = int(match[1]), int(match[2])
            if total != self.total:  # another dbt invocation (dbt docs after the build)
                self.shown, self.total = 0, total
            if self.terminal.isatty():
                self.terminal.write(f"\r  dbt {done}/{total} models, seeds and tests" + ("\n" if done == total else ""))
            elif done * 4 // total > self.shown:
                self.shown = done * 4 // total
                self.terminal.write(f"  dbt {done}/{total} models, seeds and tests\n")
            self.terminal.flush()
        return len(text)

    def flush(self) -> None:
        self.log.flush()


def cmd_summary(args, ws: Workspace) -> None:
    from kefu.summary import kpi_summary

    print(kpi_summary(ws.require_published()))


def cmd_run(args, ws: Workspace) -> None:
    cmd_generate(args, ws)
    cmd_build(args, ws)
    cmd_summary(args, ws)


def cmd_check(args, ws: Workspace) -> None:
    from kefu.quality import checkpoint_names, run_checkpoint

    unknown = sorted(set(args.checkpoints) - set(checkpoint_names()))
    if unknown:
        raise UserError(f"no checkpoint {', '.join(unknown)}; the checkpoints are {', '.join(checkpoint_names())}")
    ws.require_built()
    failed = False
    for name in args.checkpoints or checkpoint_names():
        outcome = run_checkpoint(ws, name)
        print(outcome.describe())
        failed |= not outcome.success
    sys.exit(1 if failed else 0)


def cmd_reconcile(args, ws: Workspace) -> None:
    from kefu.reconcile import reconcile

    result = reconcile(ws)
    print(result.describe())
    sys.exit(1 if result.failures else 0)


def cmd_trace(args, ws: Workspace) -> None:
    from kefu.trace import assessment_mart, resolve_kpi, trace, trace_assessment

    out = output_path(args.out) if args.out else None
    keys = dict(k.split("=", 1) for k in args.key)
    if args.survey_type:
        keys["survey_type"] = args.survey_type
    try:
        if resolve_kpi(args.kpi) == assessment_mart()[0]:
            found = trace_assessment(ws, args.org, args.period)
        else:
            found = trace(ws, args.kpi, args.org, args.period, keys)
    except (KeyError, LookupError, ValueError, RuntimeError) as e:
        sys.exit(f"kefu trace: {e.args[0]}")
    print(found.describe(args.limit))
    if out:
        found.write(out)
        print(f"wrote the working paper to {out}")


def cmd_report(args, ws: Workspace) -> None:
    from kefu.report import write_report

    out = output_path(args.out, (".html", ".pdf"), "the scorecard")
    write_report(ws, args.period, args.org, out)
    print(f"wrote the {args.period} scorecard to {out}")


def cmd_sample(args, ws: Workspace) -> None:
    from kefu.sample import sample_complaints

    out = output_path(args.out) if args.out else None
    if args.reveal and not (args.reason or "").strip():
        raise UserError("--reveal needs --reason (why the clear data is looked up: it is logged)")
    try:
        drawn = sample_complaints(ws, args.org, args.period, args.n, args.seed)
    except (ValueError, RuntimeError) as e:
        sys.exit(f"kefu sample: {e.args[0]}")
    if args.reveal and not drawn.empty:
        from kefu.sample import reveal_complainants

        drawn = reveal_complainants(ws, drawn, args.reason)
    if out:
        from kefu.trace import write_records

        write_records(drawn, out)
        print(f"wrote {len(drawn)} complaints to {out}")
    elif drawn.empty:
        print(f"no complaints of {args.org} (or the units below it) received in {args.period}")
    else:
        print(drawn.to_string(index=False))


def cmd_publish(args, ws: Workspace) -> None:
    from kefu.freeze import FrozenPeriodError, freeze

    ws.require_built()
    try:
        manifest = freeze(ws, args.period, args.reason or "", args.restate, args.by)
    except (FrozenPeriodError, ValueError) as e:
        sys.exit(f"kefu publish: {e}")
    verb = f"restated (was {manifest['restates']})" if manifest["restates"] else "frozen"
    print(f"{args.period} {verb}: hash {manifest['hash']}, by {manifest['frozen_by']} at {manifest['frozen_at']}")
    for mart, facts in manifest["marts"].items():
        print(f"  {mart:28} {facts['rows']:>7,} rows  {facts['content_hash']}")
    if manifest["restates"]:
        print(
            "next: `kefu build` publishes the restated figures (BI readers see the previously frozen ones until then)"
        )


def cmd_diff(args, ws: Workspace) -> None:
    from kefu.freeze import diff_period, frozen_periods

    ws.require_built()
    if args.period and args.period not in frozen_periods(ws):
        raise UserError(
            f"{args.period} is not frozen (frozen: {', '.join(frozen_periods(ws)) or 'none'}); "
            f"freeze it with `kefu publish --period {args.period} --reason ...`"
        )
    periods = [args.period] if args.period else frozen_periods(ws)
    changed = False
    for period in periods:
        differences = diff_period(ws, period)
        changed |= bool(differences)
        print(
            f"{period}: "
            + (
                "the build agrees with the frozen figures"
                if not differences
                else "the build differs from the frozen figures (published: the frozen ones; restate to move them):"
            )
        )
        for d in differences:
            print(f"  {d.mart}: {d.problem}" + (" (frozen → rebuilt)" if d.problem == "values differ" else ""))
            for line in d.lines():
                print(f"    {line}")
    if not periods:
        print("no frozen periods")
    sys.exit(1 if changed else 0)


def cmd_calendar(args, ws: Workspace) -> None:
    from kefu.calendar import NoticeError, describe, read_notice, write_calendar_seeds

    seeds = SEEDS_DIR
    try:
        notice = read_notice(Path(args.notice), args.source) if args.notice else None
        years = write_calendar_seeds(seeds, args.first_year, notice, args.provisional_years)
    except (NoticeError, OSError) as e:
        sys.exit(f"kefu calendar: {e}")
    print(f"wrote {sum(len(y.days) for y in years)} holidays and make-up workdays to {seeds}: {describe(years)}")
    if notice:
        print(f"the next `kefu build` rebuilds the months whose deadlines used {notice.year}'s days")


def cmd_dbt(args, ws: Workspace) -> None:
    """Run dbt against this workspace, e.g. `kefu dbt -- docs generate`."""
    dbt = Path(sys.executable).parent / "dbt"
    sys.exit(
        subprocess.call(
            [str(dbt), *args.dbt_args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)],
            env=ws.dbt_env(),
        )
    )


def _require_free_port(host: str, port: int, command: str) -> None:
    if not 1 <= port <= 65535:  # bind() would raise OverflowError, a traceback
        raise UserError(f"--port {port}: a TCP port is a number from 1 to 65535")
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the web servers bind
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise UserError(
                    f"{host}:{port} is in use ({error.strerror}): is `{command}` already running? "
                    "Open that one, stop it, or choose another --port"
                ) from None
            # an unknown host name, an address not on this machine, a port below 1024 without root
            raise UserError(
                f"--host {host} --port {port} cannot be served here ({error.strerror or error}): "
                "127.0.0.1 serves this machine, 0.0.0.0 every interface"
            ) from None


def cmd_ui(args, ws: Workspace) -> None:
    # dagster dev would start its daemon and code server anyway and leave them running beside
    # the other UI's (two daemons on one instance) with only the webserver failing to bind
    _require_free_port(args.host, args.port, "kefu ui")
    ws.ensure().activate()
    dagster_home = ws.dagster_home
    # the venv's bin first: the code server Dagster starts looks up dbt on PATH (an
    # un-activated .venv/bin/kefu failed to load the definitions: "dbt ... not found on PATH")
    # `dagster dev` warns that `dg dev` (dagster-dg-cli, not installed) supersedes it: nothing
    # a kefu user can act on, so not on their terminal
    superseded = "ignore:Function `dev_command` is superseded"
    env = {
        **os.environ,
        "PYTHONWARNINGS": ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), superseded])),
        "DAGSTER_HOME": str(dagster_home),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    dagster = Path(sys.executable).parent / "dagster"
    # dagster dev stops its webserver, daemon and code servers on SIGINT, and maps SIGTERM to
    # whatever SIGINT does; started in the background (`kefu ui &`, a service manager) SIGINT
    # arrives ignored, an exec keeps it ignored, and SIGTERM then did nothing at all
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.execve(
        str(dagster),
        [str(dagster), "dev", "-m", "dagster_defs.definitions", "--host", args.host, "--port", str(args.port)],
        env,
    )


def cmd_bi(args, ws: Workspace) -> None:
    from kefu.bi import login_hint, provision, serve, superset_installed

    if not args.provision_only:
        _require_free_port(args.host, args.port, "kefu bi")
    published = ws.require_published().published_file
    superset_installed()
    print(f"provisioning Superset over {published}")
    provision(ws)
    if args.provision_only:
        return
    print(login_hint(ws, args.host, args.port), flush=True)
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # as kefu ui: a background start still stops on SIGINT
    serve(ws, args.host, args.port)


def cmd_spark(args, ws: Workspace) -> None:
    from kefu import spark_cluster

    ws.ensure()
    if args.action == "up":
        print(f"starting a Spark cluster for {ws.home} (logs in {spark_cluster.cluster_dir(ws) / 'logs'})")
        spark_cluster.up(ws)
        print(
            f"Spark Thrift server on {spark_cluster.HOST}:{spark_cluster.Ports().thrift}: "
            "KEFU_DBT_TARGET=spark_cluster kefu build runs the pipeline on it; `kefu spark down` stops it"
        )
    elif args.action == "down":
        spark_cluster.down(ws)
    else:
        print("\n".join(spark_cluster.status(ws)))


def cmd_metrics(args, ws: Workspace) -> None:
    import pandas as pd

    from kefu.metrics import engine, query

    if args.list or not args.metrics:
        for metric in sorted(engine(ws).list_metrics(), key=lambda m: m.name):
            print(f"{metric.name:42} {metric.label or ''}  — {' '.join((metric.description or '').split())[:90]}")
        return
    frame, sql = query(ws, args.metrics, args.by.split(","), args.where, args.order.split(",") if args.order else None)
    if args.sql:
        print(sql)
    # periods as the marts and kefu trace name them (2026-Q1, 2026-01), not by their first day
    periods = {
        "metric_time__quarter": ("Q", "%Y-Q%q"),
        "metric_time__month": ("M", "%Y-%m"),
        "metric_time__year": ("Y", "%Y"),
    }
    for column, (freq, form) in periods.items():
        if column in frame:
            frame[column] = pd.PeriodIndex(pd.to_datetime(frame[column]), freq=freq).strftime(form)
    print(frame.to_string(index=False, max_rows=500))


def cmd_bench(args, ws: Workspace) -> None:
    from kefu.bench import run_bench

    print(json.dumps(run_bench(args.scale, args.seed, Path(args.home) if args.home else None)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="kefu", description="kefu-warehouse: insurance customer-service quality")
    sub = parser.add_subparsers(dest="command", required=True)

    def data_args(p):
        p.add_argument("--scale", type=float, default=0.1, help="1 ≈ 500k service events, 10k complaints")
        p.add_argument("--seed", type=int, default=42)
        p.add_argument("--out", help="landing folder (default: $KEFU_HOME/landing)")

    p = sub.add_parser("generate", help="write synthetic operational extracts")
    data_args(p)
    p.set_defaults(func=cmd_generate)
    p = sub.add_parser(
        "ingest", help="load new landing files, or one foreign extract through a mapping, into the raw lake"
    )
    p.add_argument("--mapping", help="mapping file (mappings/*.yml) saying how INPUT becomes our extracts")
    p.add_argument("input", nargs="?", help="the foreign extract (CSV, XLSX, JSON Lines or Parquet)")
    p.set_defaults(func=cmd_ingest)
    p = sub.add_parser(
        "build", help="load new landing files, then build, check and publish (dbt build, checks, publish)"
    )
    p.add_argument(
        "--force", action="store_true", help="build, check and publish even when nothing is new since the last build"
    )
    p.set_defaults(func=cmd_build)
    sub.add_parser("summary", help="print the KPI summary").set_defaults(func=cmd_summary)
    p = sub.add_parser("run", help="generate sample data, run the pipeline, print the summary")
    data_args(p)
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("check", help="run Great Expectations checkpoints")
    p.add_argument("checkpoints", nargs="*")
    p.set_defaults(func=cmd_check)
    sub.add_parser("reconcile", help="rows read = loaded + quarantined, per extract and load").set_defaults(
        func=cmd_reconcile
    )
    p = sub.add_parser("trace", help="a KPI value with its definition and every record behind it")
    p.add_argument(
        "kpi",
        help="a KPI mart (complaint_rate, complaint_timeliness, satisfaction, claim_timeliness, …) "
        "or its Chinese name (投诉率, 投诉处理及时率, 客户满意度 …)",
    )
    p.add_argument("--org", required=True, help="org unit code (its figure includes every unit below it)")
    p.add_argument("--period", required=True, help="YYYY-MM; for a rate also YYYY-Qn or YYYY; the assessment: YYYY-Qn")
    p.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="the mart's other key columns, e.g. --key stage=contact (repeat for several)",
    )
    p.add_argument("--survey-type", help="for satisfaction: complaint_callback or service_survey (--key survey_type=…)")
    p.add_argument("--out", help="write the records to a CSV or XLSX working paper")
    p.add_argument("--limit", type=int, default=20, help="records to print (default 20)")
    p.set_defaults(func=cmd_trace)
    p = sub.add_parser("report", help="the quarterly scorecard an assessment committee reads (HTML or PDF)")
    p.add_argument("--period", required=True, help="the quarter, YYYY-Qn")
    p.add_argument("--org", help="the unit (default head office); the units directly below it get a section each")
    p.add_argument("--out", required=True, help="report.html, or report.pdf (printed by headless Chromium)")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("sample", help="a reproducible random sample of complaints for inspection (003 §7)")
    p.add_argument("--org", required=True, help="org unit code (complaints of every unit below it too)")
    p.add_argument("--period", required=True, help="YYYY-MM, YYYY-Qn or YYYY (month of receipt)")
    p.add_argument("--n", type=int, default=30)
    p.add_argument(
        "--reveal",
        action="store_true",
        help="add the complainants' names, ID numbers and phones from the vault (logged; needs --reason)",
    )
    p.add_argument("--reason", help="why the clear data is looked up, e.g. an inspection's reference")
    p.add_argument("--seed", type=int, default=1, help="another seed, another sample")
    p.add_argument("--out", help="write the sample to CSV or XLSX")
    p.set_defaults(func=cmd_sample)
    p = sub.add_parser("publish", help="freeze a quarter's assessment results (or restate them, with a reason)")
    p.add_argument("--period", required=True, help="quarter, YYYY-Qn")
    p.add_argument("--restate", action="store_true", help="replace a frozen period (the old version is kept)")
    p.add_argument("--reason", help="why (required to restate)")
    p.add_argument("--by", help="who (default: KEFU_USER or the login name)")
    p.set_defaults(func=cmd_publish)
    p = sub.add_parser("diff", help="what the build says differently of frozen quarters (frozen → rebuilt)")
    p.add_argument("--period", help="one quarter (default: every frozen one)")
    p.set_defaults(func=cmd_diff)
    p = sub.add_parser(
        "calendar",
        help="regenerate the working-day calendar seeds (chinesecalendar, the notices "
        "loaded, then provisional years), or load a year's State Council notice",
    )
    p.add_argument(
        "--notice",
        metavar="FILE",
        help="a year's holidays and make-up workdays typed from the State "
        "Council's notice: CSV with date,day_type,name "
        "(day_type: holiday or makeup_workday)",
    )
    p.add_argument("--source", help="the notice's title and number, recorded as the calendar's source")
    p.add_argument("--from", dest="first_year", type=int, default=2015)
    p.add_argument(
        "--provisional-years",
        type=int,
        default=1,
        help="years past the last official one to compute on weekends and statutory holidays, "
        "flagged provisional (default 1); deadlines beyond fail the build",
    )
    p.set_defaults(func=cmd_calendar)
    p = sub.add_parser("dbt", help="run dbt on this workspace: kefu dbt -- <dbt args>")
    p.add_argument("dbt_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_dbt)
    p = sub.add_parser("ui", help="start the Dagster web UI (127.0.0.1 by default)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000)
    p.set_defaults(func=cmd_ui)
    p = sub.add_parser(
        "bi", help="provision Apache Superset over the published snapshot and start it (127.0.0.1 by default)"
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8088)
    p.add_argument("--provision-only", action="store_true", help="import the dashboard, do not start the server")
    p.set_defaults(func=cmd_bi)
    p = sub.add_parser(
        "metrics",
        help="query the semantic layer (MetricFlow's metrics) on the published snapshot",
        description="e.g. kefu metrics complaint_rate --by org,metric_time__quarter "
        "--where \"{{ Dimension('org__org_level') }} <= 2\"; with no metric, lists them",
    )
    p.add_argument("metrics", nargs="*", help="metric names (kefu metrics --list)")
    p.add_argument("--by", default="org,metric_time__month", help="group-bys, comma-separated")
    p.add_argument("--where", action="append", help="a MetricFlow filter, e.g. \"{{ Entity('org') }} = 'HQ'\"")
    p.add_argument("--order", help="order-bys, comma-separated (-name for descending)")
    p.add_argument("--sql", action="store_true", help="print the SQL MetricFlow wrote")
    p.add_argument("--list", action="store_true", help="list the metrics")
    p.set_defaults(func=cmd_metrics)
    p = sub.add_parser(
        "spark",
        help="a Spark cluster on this machine (master, worker, Thrift server) for KEFU_DBT_TARGET=spark_cluster",
    )
    p.add_argument("action", choices=["up", "down", "status"])
    p.set_defaults(func=cmd_spark)
    p = sub.add_parser("bench", help="benchmark the pipeline against a hand-written floor query")
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--home", help="workspace for the benchmark (default: a fresh temporary folder)")
    p.set_defaults(func=cmd_bench)

    args = parser.parse_args(argv)
    if getattr(args, "dbt_args", None) and args.dbt_args[0] == "--":
        args.dbt_args = args.dbt_args[1:]
    try:
        args.func(args, Workspace.from_env())
    except PipelineFailed as e:
        sys.exit(f"kefu: {e}")
    except UserError as e:
        sys.exit(f"kefu {args.command}: {e}")


if __name__ == "__main__":
    main()
