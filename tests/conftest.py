import os
import shutil
from contextlib import contextmanager

import pytest

from kefu.generate import daily_files_held_back, generate
from kefu.pipeline import run_pipeline
from kefu.workspace import PII_KEY_ENV, Workspace

TEST_SCALE = 0.03
TEST_SEED = 11


@pytest.fixture(autouse=True)
def _quiet_gx(monkeypatch):
    monkeypatch.setenv("GX_ANALYTICS_ENABLED", "false")


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Workspace:
    """An empty workspace of its own (KEFU_HOME) for one test."""
    monkeypatch.setenv("KEFU_HOME", str(tmp_path))
    monkeypatch.setenv(PII_KEY_ENV, "test-key-not-a-secret")
    return Workspace(tmp_path).ensure()


def build_history_then_day(ws: Workspace) -> None:
    """Two years of history (a full build), then the last day's extracts with their
    corrections on top (an incremental run), as the daily schedule would."""
    with daily_files_held_back(ws.landing):
        run_pipeline(ws)
    run_pipeline(ws)


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Workspace:
    """One workspace with generated extracts, built by the Dagster job: history, then a day."""
    home = tmp_path_factory.mktemp("built")
    saved = {k: os.environ.get(k) for k in ("KEFU_HOME", PII_KEY_ENV)}
    os.environ["KEFU_HOME"] = str(home)
    os.environ[PII_KEY_ENV] = "test-key-not-a-secret"
    ws = Workspace(home).ensure()
    generate(TEST_SCALE, TEST_SEED, ws.landing)
    build_history_then_day(ws)
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


@pytest.fixture(scope="session")
def built_on_spark(built, tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("spark"))
    shutil.copytree(built.landing, ws.landing)  # the same extracts, loaded into a lake of its own
    with env(KEFU_DBT_TARGET="spark", KEFU_HOME=str(ws.home)):  # only while building
        build_history_then_day(ws)  # the same Dagster job, full then incremental, on Spark
    return ws
