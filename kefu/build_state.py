"""The warehouse's own record of how it was built, kept beside it in the workspace and read
before each dbt run: the newest load, which loads the tests have already read (the test
scope of macros/test_scope.sql), the PII key and the storage layout it was built with (a
change forces one full rebuild), dbt's parse state reused across runs, and the recent dbt
run folders. No Dagster here: dagster_defs/dbt.py calls it around dbt."""

import hashlib
import hmac
import json
import os
import shutil
from pathlib import Path

from kefu.project import project_digest
from kefu.workspace import DBT_PROJECT_DIR, EXPECTATIONS_DIR, Workspace


def newest_load(ws: Workspace) -> str | None:
    """The newest committed load in the lake (load ids sort by load time)."""
    return max((p.stem for p in ws.loads.glob("*/*.parquet")), default=None)


def _tested_marker(ws: Workspace) -> Path:
    return ws.warehouse_file.with_name(f".tested_through_load.{ws.engine}.json")


def _warehouse_exists(ws: Workspace) -> bool:
    return (ws.warehouse_file if ws.engine == "duckdb" else ws.spark_warehouse).exists()


# Bump when a model changes how it is stored (a table becomes incremental, an incremental
# model gains its month or fingerprint column): an incremental run cannot read state an
# older warehouse's tables do not hold, so such a warehouse gets one full rebuild.
WAREHOUSE_LAYOUT = 11  # 2: complaint, claim and inspection facts and the complaint bridges kept by month;
#                     complaint stages carry their unit and day
#                     3: the six slowest marts kept by month (hotspots, segments, repeat complaints,
#                     stage timeliness, service-quality dimensions and scores by line)
#                     4: calendar_coverage gains its status column (a seed table cannot gain a column
#                     in place); deadlines carry *_provisional flags
#                     5: fct_complaints gains is_handled_on_time (the stricter of the company's and
#                     the regulator's deadline, #9)
#                     6: assessment_rules gains its evidence columns (minimum bases, interval z,
#                     small-sample rule); models kept by month fingerprint in kept_by_month's form
#                     7: complaint_classes.scheme is text ('003', as the standards name it; it loaded
#                     as the integer 3)
#                     8: the rating rollups (int_rating_days, int_staff_rating_months) keep each
#                     rating source apart, and the dimension mart gains weighted_rate (#9 §7)
#                     9: complaints carry original_complaint_id (second complaints, #9 §2)
#                     10: complaints carry their outcome, compensation and archive day (#11)
#                     11: complaints carry their responsible department (#9 §4)


def _built_with_marker(ws: Workspace) -> Path:
    return ws.warehouse_file.with_name(f".built_with.{ws.engine}.json")


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
    return ws.dbt_runs / f"partial_parse.{ws.dbt_target}.msgpack"


def _saved_where(ws: Workspace) -> dict:
    return {"workspace": str(ws.home), "project": str(DBT_PROJECT_DIR)}


def reuse_parse_state(ws: Workspace, target_path: Path) -> None:
    """Start a run from the parse state of this workspace's last run, so dbt parses only the
    files that changed since. dagster-dbt would copy the project's target/ state instead,
    left by whatever workspace parsed last; the profile names the workspace, so dbt would
    then parse everything again (~4 s). dbt checks the state itself (files, profile, vars).
    A state saved in another folder (a copied workspace) or by another checkout of the project
    is moved to this one first."""
    if not _parse_state(ws).exists():
        return
    target_path.mkdir(parents=True, exist_ok=True)
    state = Path(shutil.copy(_parse_state(ws), target_path / "partial_parse.msgpack"))
    saved_in = _parse_state(ws).with_suffix(".where.json")
    saved = json.loads(saved_in.read_text()) if saved_in.exists() else {}
    if saved != _saved_where(ws):
        from kefu.workarounds import rehome_parse_state

        rehome_parse_state(state, saved.get("project"), str(DBT_PROJECT_DIR))


def keep_parse_state(ws: Workspace, target_path: Path) -> None:
    if (target_path / "partial_parse.msgpack").exists():
        shutil.copy(target_path / "partial_parse.msgpack", _parse_state(ws))
        _parse_state(ws).with_suffix(".where.json").write_text(json.dumps(_saved_where(ws)))


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


FORCE_ENV = "KEFU_FORCE_BUILD"  # `kefu build --force`: run every step even with nothing new


def build_inputs(ws: Workspace) -> str:
    """A digest of everything a build's result depends on: the committed loads, the project
    (models, tests, seeds with the rules and the calendar), the GX suites, the PII key and
    storage layout, where dbt reads the lake, and the frozen quarters (a freeze or restatement
    changes what the snapshot shows of them). No model reads the clock, so the same inputs
    give the same warehouse and the same published snapshot."""
    payload = {
        "loads": sorted(p.relative_to(ws.loads).as_posix() for p in ws.loads.glob("*/*.parquet")),
        "project": project_digest(),
        "expectations": hashlib.sha256(
            b"".join(
                p.relative_to(EXPECTATIONS_DIR).as_posix().encode() + b"\0" + p.read_bytes()
                for p in sorted(EXPECTATIONS_DIR.rglob("*.json"))
            )
        ).hexdigest(),
        "built_with": _built_with(ws),
        "lake": os.environ.get("KEFU_LAKE_URI", ""),
        "frozen": _digest(ws.home / "frozen" / "log.jsonl"),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


def _inputs_marker(ws: Workspace, stage: str) -> Path:
    return ws.warehouse_file.with_name(f".{stage}_inputs.{ws.engine}")


def nothing_new(ws: Workspace, inputs: str) -> bool:
    """Whether the last published snapshot was built from exactly these inputs: the run
    then has nothing to build, check or publish. Not with `--force` or a full-scope test
    run, and never when the last run stopped before publishing (a failed check)."""
    marker = _inputs_marker(ws, "published")
    return (
        not os.environ.get(FORCE_ENV)
        and os.environ.get("KEFU_TEST_SCOPE") != "all"
        and _warehouse_exists(ws)
        and ws.published_file.exists()
        and marker.exists()
        and marker.read_text() == inputs
    )


def remember_built(ws: Workspace, inputs: str) -> None:
    _inputs_marker(ws, "built").write_text(inputs)


def remember_published(ws: Workspace) -> None:
    """The inputs of the build just published (written by the dbt step of the same run)."""
    built = _inputs_marker(ws, "built")
    if built.exists():
        _inputs_marker(ws, "published").write_text(built.read_text())
