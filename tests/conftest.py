import os
import shutil

import pytest

from kefu.generate import generate
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


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Workspace:
    """One workspace with generated extracts, built end to end by the Dagster job."""
    home = tmp_path_factory.mktemp("built")
    saved = {k: os.environ.get(k) for k in ("KEFU_HOME", PII_KEY_ENV)}
    os.environ["KEFU_HOME"] = str(home)
    os.environ[PII_KEY_ENV] = "test-key-not-a-secret"
    ws = Workspace(home).ensure()
    generate(TEST_SCALE, TEST_SEED, ws.landing)
    run_pipeline(ws)
    yield ws
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def copy_workspace(ws: Workspace, dest) -> Workspace:
    shutil.copytree(ws.home, dest, dirs_exist_ok=True)
    return Workspace(dest)
