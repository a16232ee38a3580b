"""The Dagster definitions: one graph from landing files to the published marts."""

import json
import os

import duckdb
import pytest
from dagster import AssetKey

from dagster_defs.dbt import KPI_FIELDS
from dagster_defs.definitions import defs
from kefu.build_state import prune_dbt_runs
from kefu.generate import generate
from kefu.ingest import Ingestor
from kefu.marts import mart_grain
from kefu.pipeline import PipelineFailed, run_pipeline
from kefu.project import manifest, marts
from kefu.trace import definitions
from tests.conftest import TEST_SCALE, TEST_SEED


def test_graph_runs_from_ingest_assets_through_dbt_to_published():
    graph = defs.resolve_asset_graph()
    staged = graph.get(AssetKey(["staging", "stg_ops__complaints"]))
    assert AssetKey(["raw", "complaints"]) in staged.parent_keys
    assert AssetKey(["marts", "kpi_complaint_timeliness"]) in graph.get(AssetKey("published_marts")).parent_keys
    raw_keys = {k for k in graph.get_all_asset_keys() if k.path[0] == "raw"}
    assert len(raw_keys) == 13 and all(graph.get(k).is_materializable for k in raw_keys)


def test_raw_check_blocks_and_kpi_checks_exist():
    specs = {s.key.name: s for a in defs.resolve_asset_graph().assets_defs for s in a.check_specs}
    assert specs["gx_raw_complaints"].blocking
    assert specs["gx_raw_complaints"].asset_key == AssetKey(["raw", "complaints"])
    assert specs["gx_kpi_suite"].blocking
    assert "not_null_fct_complaints_received_at" in specs  # dbt tests surface as asset checks


def test_each_kpi_asset_carries_its_definition():
    specs = {s.key: s for s in defs.resolve_all_asset_specs()}
    for mart, name, clause in [
        ("kpi_complaint_rate", "投诉率", "003 §5.1"),
        ("kpi_complaint_timeliness", "投诉处理及时率", "003 §5.2"),
        ("kpi_satisfaction", "客户满意度", "003 §5.3"),
        ("kpi_claim_timeliness", "理赔时效达成率", "004"),
    ]:
        spec = specs[AssetKey(["marts", mart])]
        assert name in spec.description and clause in spec.description, mart
        assert spec.metadata["kpi/name_zh"] == name and clause in spec.metadata["kpi/source"]
    # every mart has the whole definition, in Chinese and English, with its clause and owner
    for mart, definition in definitions().items():
        spec = specs[AssetKey(["marts", mart])]
        assert set(KPI_FIELDS) <= set(definition), mart
        assert all(spec.metadata[f"kpi/{field}"] == definition[field] for field in KPI_FIELDS), mart
    assert set(definitions()) == set(mart_grain())


def test_assets_are_grouped_by_layer_and_kpis_tagged():
    specs = {s.key: s for s in defs.resolve_all_asset_specs()}
    groups = {}
    for key, spec in specs.items():
        groups.setdefault(spec.group_name, set()).add(key)
    assert set(groups) == {"raw", "rules", "staging", "intermediate", "core", "marts", "reference", "published"}
    assert AssetKey(["reference", "kpi_definitions"]) in groups["reference"]
    assert AssetKey(["raw", "complaints"]) in groups["raw"]
    assert AssetKey(["staging", "stg_ops__complaints"]) in groups["staging"]
    assert AssetKey(["core", "int_org_months"]) in groups["intermediate"]
    assert AssetKey(["core", "fct_complaints"]) in groups["core"]
    assert AssetKey(["rules", "complaint_deadlines"]) in groups["rules"]
    assert {AssetKey("published_marts"), AssetKey("dbt_docs")} == groups["published"]
    assert {k.path[-1] for k in groups["marts"]} == set(mart_grain())
    assert {specs[AssetKey(["marts", mart])].tags.get("kpi") for mart in mart_grain()} == {
        mart.removeprefix("kpi_") for mart in mart_grain()
    }
    assert "kpi" not in specs[AssetKey(["core", "fct_complaints"])].tags


def _recorded_run(ws):
    """The workspace's one recorded run (`built`'s day, run with `kefu build`'s defaults: the
    history was built without an instance) and its materializations' metadata by asset, as
    `kefu ui` reads them."""
    from dagster import DagsterEventType, DagsterInstance

    with DagsterInstance.from_config(str(ws.dagster_home)) as instance:
        [run] = instance.get_runs()
        records = instance.get_records_for_run(run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION).records
        return run, {
            m.asset_key.to_user_string(): dict(m.metadata)
            for m in (r.event_log_entry.asset_materialization for r in records)
        }


def test_models_carry_row_counts_and_column_lineage(built):
    run, materializations = _recorded_run(built)
    _every_kpi_mart_has_its_open_lineage_event_with_its_inputs(built, run.run_id)
    timeliness = materializations["marts/kpi_complaint_timeliness"]
    with duckdb.connect(str(built.published_file), read_only=True) as con:
        rows = con.execute("select count(*) from kpi_complaint_timeliness").fetchone()[0]
    assert timeliness["dagster/row_count"].value == rows

    def deps(asset: str, column: str) -> set[str]:
        lineage = materializations[asset]["dagster/column_lineage"].value.deps_by_column
        return {f"{d.asset_key.to_user_string()}.{d.column_name}" for d in lineage[column]}

    # a KPI column back to the raw extract's column, hop by hop
    assert deps("marts/kpi_complaint_timeliness", "numerator") == {"core/fct_complaints.is_handled_on_time"}
    assert "staging/stg_ops__complaints.received_at" in deps("core/fct_complaints", "received_date")
    assert deps("staging/stg_ops__complaints", "received_at") == {"raw/complaints.received_at"}
    schema = materializations["marts/kpi_complaint_timeliness"]["dagster/column_schema"].value
    assert {"numerator", "denominator", "rate"} <= {c.name for c in schema.columns}


def _every_kpi_mart_has_its_open_lineage_event_with_its_inputs(workspace, run_id: str) -> None:
    """The dbt run's OpenLineage events (file transport into the workspace), as an auditor's
    lineage tool reads them: each KPI mart built, from exactly the models and seeds dbt says
    it reads, with its columns' lineage."""
    events = [
        json.loads(line)
        for line in (workspace.home / "lineage" / f"{run_id}.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    completed = {
        e["outputs"][0]["name"]: e for e in events if e["eventType"] == "COMPLETE" and e["job"]["name"].endswith(".run")
    }
    nodes = manifest()["nodes"]
    for name in marts():
        event = completed[f"kefu.marts.{name}"]
        node = nodes[f"model.kefu.{name}"]
        parents = {f"kefu.{nodes[p]['schema']}.{nodes[p]['name']}" for p in node["depends_on"]["nodes"]}
        assert {i["name"].rsplit("/", 1)[-1] for i in event["inputs"]} == parents, name
        assert event["run"]["facets"]["parent"]["job"]["namespace"] == "kefu"
    rate = completed["kefu.marts.kpi_complaint_rate"]["outputs"][0]["facets"]
    assert {"numerator", "denominator", "rate"} <= set(rate["columnLineage"]["fields"])


def test_daily_schedule_in_beijing_time():
    schedule = defs.resolve_schedule_def("kefu_daily")
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.job_name == "kefu_pipeline"


def test_a_failing_raw_check_stops_the_models(workspace):
    generate(TEST_SCALE, TEST_SEED, workspace.landing)
    Ingestor(workspace).ingest_landing()
    # a raw file that breaks the contract (as a hand-edited or foreign lake file would)
    # and is registered in the load log, so it is part of the lake
    [load] = list((workspace.loads / "complaints").glob("*.parquet"))[:1]
    bad_id = "29990101T000000000000-badbad00"
    duckdb.sql(f"""copy (select * replace ('fax' as channel, '{bad_id}' as _load_id)
                   from read_parquet('{workspace.raw}/complaints/2*.parquet') limit 3)
                   to '{workspace.raw}/complaints/{bad_id}.parquet' (format parquet)""")
    duckdb.sql(
        f"copy (select * replace ('{bad_id}' as load_id) from read_parquet('{load}')) "
        f"to '{workspace.loads}/complaints/{bad_id}.parquet' (format parquet)"
    )
    with pytest.raises(PipelineFailed, match="gx_raw_complaints"):
        run_pipeline(workspace)
    assert not workspace.published_file.exists()
    if workspace.warehouse_file.exists():
        con = duckdb.connect(str(workspace.warehouse_file), read_only=True)
        tables = con.execute("select table_name from information_schema.tables where table_schema = 'marts'").fetchall()
        assert tables == []


def test_dagster_cli_validates_the_definitions(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    dagster = Path(sys.executable).parent / "dagster"
    out = subprocess.run(
        [str(dagster), "definitions", "validate", "-m", "dagster_defs.definitions"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "All code locations passed validation" in out.stderr + out.stdout


def test_each_dbt_run_keeps_its_timings_in_the_workspace(built):
    runs = [p for p in built.dbt_runs.iterdir() if p.is_dir()]
    assert len(runs) >= 2  # history, then the day (and any later run of the shared workspace)
    results = json.loads((max(runs, key=lambda p: p.stat().st_mtime) / "run_results.json").read_text())
    assert {r["unique_id"].split(".")[-1] for r in results["results"]} >= {
        "stg_ops__service_events",
        "kpi_complaint_rate",
    }


def test_only_the_newest_dbt_runs_are_kept(tmp_path):
    for i in range(5):
        (tmp_path / f"run{i}").mkdir()
        os.utime(tmp_path / f"run{i}", (1_000_000 + i, 1_000_000 + i))
    prune_dbt_runs(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run3", "run4"]


def test_cli_runs_are_recorded_in_the_workspaces_dagster_instance(built):
    """`kefu build` (run_pipeline) records its runs where `kefu ui` and the daemon look
    (DAGSTER_HOME inside the workspace): not "Never materialized" after a CLI build."""
    from dagster import AssetCheckKey, DagsterInstance, DagsterRunStatus

    with DagsterInstance.from_config(str(built.dagster_home)) as instance:
        runs = instance.get_runs()
        assert len(runs) == 1 and runs[0].job_name == "kefu_pipeline"
        assert runs[0].status == DagsterRunStatus.SUCCESS
        mart = AssetKey(["marts", "kpi_complaint_rate"])
        materialized = instance.get_latest_materialization_event(mart)
        assert materialized is not None and materialized.run_id == runs[0].run_id
        rows = materialized.asset_materialization.metadata["dagster/row_count"].value
        con = duckdb.connect(str(built.warehouse_file), read_only=True)
        assert rows == con.execute("select count(*) from marts.kpi_complaint_rate").fetchone()[0]
        con.close()
        check = instance.event_log_storage.get_latest_asset_check_execution_by_key(
            [AssetCheckKey(mart, "gx_kpi_suite")]
        )[AssetCheckKey(mart, "gx_kpi_suite")]
        assert check is not None and check.run_id == runs[0].run_id


def test_the_daemon_starts_a_run_when_extracts_land(history_copy, tmp_path):
    """The sensor, turned on as an operator would, and dagster-daemon as it runs in
    production: the day's files wait in landing, the daemon's tick starts the pipeline."""
    import subprocess
    import sys
    import time
    from pathlib import Path

    from dagster import DagsterInstance, DagsterRunStatus

    ws, bin_dir = history_copy, Path(sys.executable).parent
    env = {
        **os.environ,
        "DAGSTER_HOME": str(ws.dagster_home),
        "KEFU_HOME": str(ws.home),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
    }
    with DagsterInstance.from_config(str(ws.dagster_home)) as instance:
        before = {r.run_id for r in instance.get_runs()}
    loads = len(list(ws.loads.rglob("*.parquet")))
    started = subprocess.run(
        [str(bin_dir / "dagster"), "sensor", "start", "kefu_landing", "-m", "dagster_defs.definitions"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert started.returncode == 0, started.stderr[-2000:]
    log = (tmp_path / "daemon.log").open("w")
    daemon = subprocess.Popen(
        [str(bin_dir / "dagster-daemon"), "run", "-m", "dagster_defs.definitions"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    try:
        deadline, runs = time.monotonic() + 600, []
        while time.monotonic() < deadline:
            with DagsterInstance.from_config(str(ws.dagster_home)) as instance:
                runs = [r for r in instance.get_runs() if r.run_id not in before]
            if runs and all(r.is_finished for r in runs):
                break
            time.sleep(5)
    finally:
        daemon.terminate()
        daemon.wait(60)
    assert len(runs) == 1, (tmp_path / "daemon.log").read_text()[-3000:]
    assert runs[0].tags.get("kefu/trigger") == "landing" and runs[0].status == DagsterRunStatus.SUCCESS, (
        tmp_path / "daemon.log"
    ).read_text()[-3000:]
    assert len(list(ws.loads.rglob("*.parquet"))) > loads  # the day's files were loaded


def test_kefu_ui_stops_on_sigterm_with_every_process_it_started(tmp_path):
    """Started as a service manager or `kefu ui &` starts it (SIGINT ignored), SIGTERM stops
    the webserver, the daemon and the code servers: no process left behind."""
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ui = subprocess.Popen(
        [str(Path(sys.executable).parent / "kefu"), "ui", "--port", str(port)],
        env={**os.environ, "KEFU_HOME": str(tmp_path)},
        stdout=(tmp_path / "ui.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5).status == 200:
                    break
            except OSError:
                time.sleep(2)
        else:
            raise AssertionError("kefu ui did not serve within 180 s")
        ui.send_signal(signal.SIGTERM)
        ui.wait(90)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _session_processes(ui.pid):
            time.sleep(1)
        assert _session_processes(ui.pid) == []
        # what the engineer's terminal shows: Dagster's services, not its advice to use `dg dev`
        shown = (tmp_path / "ui.log").read_text()
        assert "Launching Dagster services" in shown and "Warning" not in shown, shown[-2000:]
    finally:
        if _session_processes(ui.pid):
            os.killpg(ui.pid, signal.SIGKILL)


def _session_processes(session: int) -> list[str]:
    """The processes still alive in a session (the session leader's pid), from /proc."""
    from pathlib import Path

    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session and fields[0] != "Z":  # field 6 of stat: the session id
            alive.append(stat.parent.name)
    return alive


def test_a_reparse_is_not_a_change_of_the_project():
    """`dagster dev` (kefu ui) parses the project at every start, rewriting the manifest with
    new timestamps: that must not count as a changed project (full test scope, docs and
    lineage rebuilt on the next run)."""
    import subprocess
    import sys
    from pathlib import Path

    from dagster_defs.dbt import dbt_project
    from kefu.project import project_digest

    before, stamp = project_digest(), dbt_project.manifest_path.stat().st_mtime_ns
    dbt = Path(sys.executable).parent / "dbt"
    parsed = subprocess.run(
        [
            str(dbt),
            "parse",
            "--quiet",
            "--project-dir",
            str(dbt_project.project_dir),
            "--profiles-dir",
            str(dbt_project.profiles_dir),
            "--target-path",
            str(dbt_project.target_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "KEFU_HOME": os.environ.get("KEFU_HOME", "/tmp")},
    )
    assert parsed.returncode == 0, parsed.stdout[-2000:]
    assert dbt_project.manifest_path.stat().st_mtime_ns != stamp  # rewritten
    assert project_digest() == before


def test_the_workspaces_instance_asks_no_newsletter_signup(tmp_path):
    """Dagster's UI opens on a "Join the Dagster community" form unless the instance turns
    it off (nux); a workspace made before the setting gets it added, its own settings kept."""
    import yaml
    from dagster import DagsterInstance

    from kefu.workspace import Workspace

    fresh = Workspace(tmp_path / "fresh").ensure()
    older = tmp_path / "older"
    (older / ".dagster_home").mkdir(parents=True)
    (older / ".dagster_home" / "dagster.yaml").write_text("run_queue:\n  max_concurrent_runs: 1\n")
    older = Workspace(older).ensure()
    for ws in (fresh, older):
        settings = yaml.safe_load((ws.dagster_home / "dagster.yaml").read_text())
        assert settings["nux"] == {"enabled": False} and settings["run_queue"] == {"max_concurrent_runs": 1}
        with DagsterInstance.from_config(str(ws.dagster_home)) as instance:  # Dagster accepts it
            assert instance.get_settings("nux") == {"enabled": False}


def test_a_run_where_sigint_is_ignored_leaves_sigterm_as_it_was():
    """Dagster gives SIGTERM SIGINT's handler when a run ends; in a background job (SIGINT
    ignored, as in CI) every process started afterwards then ignored SIGTERM, the Spark
    daemons included. kefu.workarounds.sigterm_kept puts it back (run_pipeline uses it)."""
    import signal

    from dagster._utils.interrupts import capture_interrupts

    from kefu.workarounds import sigterm_kept

    sigint, sigterm = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        with sigterm_kept(), capture_interrupts():
            pass
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
        with capture_interrupts():  # the upstream behaviour: drop the workaround when this fails
            pass
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, sigint)
        signal.signal(signal.SIGTERM, sigterm)
