"""Kill a real `kefu build` (the process group, as a crash or an OOM kill would) at several
points, run it again, and get exactly what an uninterrupted run gives: the same marts, and
a lake without a row twice or a row lost. The kills come one after another in the order the
pipeline reaches them, each run picking up what the one before left (four builds each
killed and rerun from scratch cost ~540 s; one workspace killed four times ~150 s)."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from kefu.marts import compare_marts
from kefu.reconcile import reconcile
from kefu.workspace import Workspace

KEFU = str(Path(sys.executable).parent / "kefu")


def kefu_build(ws: Workspace, kill_when=None) -> bool:
    """Run `kefu build`; with kill_when, SIGKILL its whole process group (dbt included) the
    moment kill_when() is true. Returns whether it was killed."""
    env = {
        **os.environ,
        "KEFU_HOME": str(ws.home),
        "KEFU_PII_KEY": "test-key-not-a-secret",
        "GX_ANALYTICS_ENABLED": "false",
    }
    proc = subprocess.Popen(
        [KEFU, "build"], env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    while kill_when is not None and proc.poll() is None:
        if kill_when():
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        # each look walks the lake (2–3 ms of CPU): every 10 ms, not every 1 ms, which kept a core
        # busy beside the build. The narrowest point still comes ~270 times (one per file loaded)
        time.sleep(0.01)
    _, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err.decode()[-3000:]
    return False


def any_file(folder: Path, pattern: str):
    return lambda: any(folder.rglob(pattern))


KILL_POINTS = {
    # a Parquet file of the lake half written (it is written under .tmp and renamed)
    "mid_parquet_write": lambda ws: any_file(ws.home / "lake", "*.parquet.tmp"),
    # every landing file logged: between the ingest assets and the checks/models after them
    "between_assets": lambda ws: lambda: len(list(ws.loads.rglob("*.parquet"))) >= len(list(ws.landing.rglob("*.csv"))),
    # dbt writing the warehouse (DuckDB keeps a write-ahead log while a transaction is open)
    "mid_dbt_model": lambda ws: lambda: ws.warehouse_file.with_name("kefu.duckdb.wal").exists(),
    # the snapshot for readers half written
    "mid_publish": lambda ws: any_file(ws.published_file.parent, ".*.tmp"),
}


def lake_rows(ws: Workspace) -> dict[str, int]:
    return {
        d.name: duckdb.sql(f"select count(*) from read_parquet('{d}/*.parquet')").fetchone()[0]
        for d in sorted(ws.raw.iterdir())
    }


def test_killed_and_rerun_equals_an_uninterrupted_run(built, tmp_path):
    ws = Workspace(tmp_path)
    shutil.copytree(built.landing, ws.landing)
    for point, reached in KILL_POINTS.items():  # each run resumes what the killed one before left
        assert kefu_build(ws, kill_when=reached(ws)), f"the build ended before reaching {point}"
    kefu_build(ws)
    differences = compare_marts(built, "duckdb", ws, "duckdb")
    assert differences == [], "\n".join(f"{d.mart}: {d.problem} {d.rows[:3]}" for d in differences)
    assert lake_rows(ws) == lake_rows(built)
    assert not reconcile(ws).failures
