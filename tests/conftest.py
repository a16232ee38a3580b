import atexit
import csv
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from filelock import FileLock

REPO_ROOT = Path(__file__).resolve().parent.parent


def copy_project(to: Path) -> Path:
    """A copy of the project (dbt project, rules, expectations) that KEFU_PROJECT_DIR can name."""
    for folder in ("dbt_project", "seeds", "expectations"):
        shutil.copytree(REPO_ROOT / folder, to / folder, ignore=shutil.ignore_patterns("target", "logs", ".user.yml"))
    return to


# `make test` runs two pytest-xdist workers. dbt writes the manifest and its parse state into
# the project's target/, and a test that re-parses (or starts `dagster dev`) would rewrite it
# under the other worker's feet: each worker builds from a project copy of its own. Set before
# kefu is imported (kefu.workspace reads KEFU_PROJECT_DIR once).
if os.environ.get("PYTEST_XDIST_WORKER") and "KEFU_PROJECT_DIR" not in os.environ:
    _worker_project = Path(tempfile.mkdtemp(prefix=f"kefu-project-{os.environ['PYTEST_XDIST_WORKER']}-"))
    os.environ["KEFU_PROJECT_DIR"] = str(copy_project(_worker_project))
    atexit.register(shutil.rmtree, _worker_project, ignore_errors=True)

from kefu.generate import daily_files_held_back, generate  # noqa: E402 (after KEFU_PROJECT_DIR is set)
from kefu.pipeline import run_pipeline  # noqa: E402 (after KEFU_PROJECT_DIR is set)
from kefu.workspace import PII_KEY_ENV, Workspace  # noqa: E402 (after KEFU_PROJECT_DIR is set)

TEST_SCALE = 0.03
TEST_SEED = 11
TEST_PII_KEY = "test-key-not-a-secret"


@pytest.fixture(scope="session", autouse=True)
def _no_lineage_or_docs():
    """Column-level lineage (sqlglot over every model: ~30 s of a workspace's first build)
    dbt docs (~10 s; ~30 s on Spark) and Great Expectations' Data Docs (~2 s a run) only where
    a test looks at them: the lineage test, the built history and day (the auditors' documents
    tests read them). Runs are not
    recorded in a Dagster instance (~20 s a run) but where a test reads the record, and write
    OpenLineage events only where a test reads them."""
    # Spark keeps its two threads under two pytest-xdist workers: with one (local[1]) the Spark
    # workspace took 757–798 s in CI instead of 692 s, and the other worker was not measurably faster.
    # Its JVMs live one dbt command over little data: without the C2 compiler (half their CPU)
    # and with the serial collector they take a third of the CPU, which the other worker gets.
    with env(
        KEFU_COLUMN_LINEAGE="never",
        KEFU_DBT_DOCS="never",
        KEFU_GX_DOCS="never",
        KEFU_DAGSTER_INSTANCE="ephemeral",
        KEFU_OPENLINEAGE="never",
        KEFU_SPARK_JAVA_OPTIONS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:ReservedCodeCacheSize=512m",
        # little data: one shuffle partition, no whole-stage code generation, no adaptive
        # re-planning; the Spark history and day took 448 s instead of 514 (12-07, idle machine)
        KEFU_SPARK_SHUFFLE_PARTITIONS="1",
        KEFU_SPARK_CODEGEN="false",
        KEFU_SPARK_ADAPTIVE="false",
    ):
        yield


@pytest.fixture(autouse=True)
def _quiet_gx(monkeypatch):
    monkeypatch.setenv("GX_ANALYTICS_ENABLED", "false")


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Workspace:
    """An empty workspace of its own (KEFU_HOME) for one test."""
    monkeypatch.setenv("KEFU_HOME", str(tmp_path))
    monkeypatch.setenv(PII_KEY_ENV, TEST_PII_KEY)
    return Workspace(tmp_path).ensure()


MONTH_MOVED = "claims_dates_corrected.csv"


def land_a_month_moved(landing: Path) -> tuple[str, str]:
    """With the day's files: every claim of the first month re-delivered with its report date a
    month earlier, into a month no row was in (a mistyped date put right). The month left
    must go from every model kept by month, on both engines: on Spark an incremental table
    rewrites month partitions, and a month with no row left writes none (test_spark_staging).
    Returns (the month left, the month entered) as YYYY-MM."""
    latest = {}  # each claim as its last delivery has it: files in the order they load
    for path in sorted((landing / "claims").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            latest.update((row["claim_id"], row) for row in csv.DictReader(f))
    left = min(claim["reported_at"][:7] for claim in latest.values())
    year, month = map(int, left.split("-"))
    entered = f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"
    moved = [
        {**claim, "reported_at": f"{entered}-{min(int(claim['reported_at'][8:10]), 28):02d}{claim['reported_at'][10:]}"}
        for claim in latest.values()
        if claim["reported_at"].startswith(left)
    ]
    with (landing / "claims" / MONTH_MOVED).open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(moved[0]))
        writer.writeheader()
        writer.writerows(moved)
    return left, entered


def copy_workspace(source: Workspace, home) -> Workspace:
    """A workspace of its own holding what ``source`` holds (landing, lake, warehouse,
    published snapshot, run markers), for a test that changes it. The lake's rows keep
    naming the source's landing files, which hold the same bytes."""
    shutil.copytree(source.home, home, dirs_exist_ok=True)
    return Workspace(home).ensure()


def shared_across_workers(tmp_path_factory, name: str, build) -> Path:
    """A workspace built once per run: under pytest-xdist the first worker to need it builds it
    into the run's folder (above each worker's) and the other waits and reads the same one, as
    pytest-xdist's documentation shows with a file lock. Tests only ever copy it."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        home = tmp_path_factory.mktemp(name)
        build(Workspace(home))
        return home
    shared = tmp_path_factory.getbasetemp().parent / name
    with FileLock(f"{shared}.lock"):
        if not (shared / ".built").exists():
            build(Workspace(shared))
            (shared / ".built").touch()
    return shared


@pytest.fixture(scope="session")
def history(tmp_path_factory) -> Workspace:
    """Generated extracts with two years of history built by the Dagster job (a full build);
    the last day's files wait in landing. Tests take a copy (``history_copy``) rather than
    generate and build their own: a full build is most of what each such test cost."""
    return Workspace(shared_across_workers(tmp_path_factory, "history", _build_history))


def _build_history(ws: Workspace) -> None:
    ws.ensure()
    generate(TEST_SCALE, TEST_SEED, ws.landing)
    with (
        env(KEFU_HOME=str(ws.home), KEFU_PII_KEY=TEST_PII_KEY, KEFU_DBT_DOCS="on_change"),
        daily_files_held_back(ws.landing),
    ):
        run_pipeline(ws)


@pytest.fixture
def history_copy(history, workspace) -> Workspace:
    """This test's own copy of ``history`` (KEFU_HOME points at it): run the pipeline to load the day."""
    return copy_workspace(history, workspace.home)


# what `kefu build` does by default and the other tests' runs leave out (_no_lineage_or_docs)
KEFU_BUILD_DEFAULTS = {
    "KEFU_COLUMN_LINEAGE": "on_change",  # the history was built without it: the day fetches it
    "KEFU_OPENLINEAGE": "on",
    "KEFU_DAGSTER_INSTANCE": "persistent",  # the day's run only: the history's is not recorded
    "KEFU_GX_DOCS": "always",
}


@pytest.fixture(scope="session")
def built(history, tmp_path_factory) -> Workspace:
    """One workspace with generated extracts, built by the Dagster job: the history, then the
    day's files and a month's claims moved a month back (land_a_month_moved) in a run with
    `kefu build`'s defaults (column lineage, OpenLineage events, the run recorded in the
    workspace's Dagster instance, Data Docs), which the auditors' documents and the Dagster
    tests read. Built once per test run; each worker reads a copy of its own (a test may open
    its warehouse file writable)."""

    def build_the_day(ws: Workspace) -> None:
        copy_workspace(history, ws.home)
        land_a_month_moved(ws.landing)
        with env(KEFU_HOME=str(ws.home), KEFU_PII_KEY=TEST_PII_KEY, **KEFU_BUILD_DEFAULTS):
            run_pipeline(ws)

    ws = copy_workspace(
        Workspace(shared_across_workers(tmp_path_factory, "built", build_the_day)), tmp_path_factory.mktemp("built")
    )
    saved = {k: os.environ.get(k) for k in ("KEFU_HOME", PII_KEY_ENV)}
    os.environ["KEFU_HOME"] = str(ws.home)
    os.environ[PII_KEY_ENV] = TEST_PII_KEY
    yield ws
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@contextmanager
def env(**values):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)


# what the Spark tests build on: the in-process session. The cluster's Thrift server (`kefu spark
# up`, the spark_cluster target) built this project, but a session it closes can hang it: the
# pyspark 4.1 wheel lacks hive-llap-common (SPARK-51041; docs/engines.md)
SPARK_TARGET = "spark"


def kefu_spark(home, *action: str) -> list[str]:
    """`kefu spark …` on the workspace ``home`` as a data engineer runs it; its output lines."""
    done = subprocess.run(
        [str(Path(sys.executable).parent / "kefu"), "spark", *action],
        capture_output=True,
        text=True,
        env={**os.environ, "KEFU_HOME": str(home)},
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stdout + done.stderr
    return done.stdout.splitlines()


@pytest.fixture(scope="session")
def built_on_spark(tmp_path_factory):
    """`built` on Spark: the same extracts (same seed, same bytes) loaded into a lake of its
    own, generated here rather than copied so that the Spark build needs not wait for `built`;
    the history (a full build), then the day with the same month moved (an incremental run)."""
    ws = Workspace(tmp_path_factory.mktemp("spark")).ensure()
    generate(TEST_SCALE, TEST_SEED, ws.landing)
    with env(KEFU_DBT_TARGET=SPARK_TARGET, KEFU_HOME=str(ws.home), KEFU_PII_KEY=TEST_PII_KEY):  # only while building
        with daily_files_held_back(ws.landing):
            run_pipeline(ws)
        land_a_month_moved(ws.landing)
        run_pipeline(ws)
    return ws
