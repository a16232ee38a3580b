"""BI readers and the pipeline side by side: a reader process queries the published snapshot
in a loop while the pipeline rebuilds and republishes. The reader never errs, never blocks
the pipeline, and every read is one complete snapshot: the one before or the one after."""

import json
import subprocess
import sys
import time

import pytest

from kefu.marts import mart_grain
from kefu.pipeline import run_pipeline
from kefu.publish import published_hashes
from kefu.workspace import REPO_ROOT
from tests.conftest import copy_workspace, env

READER = """
import json, sys, time, duckdb
from kefu.marts import content_hash
published, stop, out = sys.argv[1:]
marts = {marts!r}
with open(out, "w") as log:
    while True:
        try:
            con = duckdb.connect(published, read_only=True)  # a new connection per read, as a BI tool
            try:
                manifest = dict(con.execute("select mart, content_hash from snapshot").fetchall())
                counts = dict(con.execute("select mart, row_count from snapshot").fetchall())
                seen = {{m: con.execute(f"select count(*), {{content_hash(m)}} from {{m}}").fetchone()
                        for m in marts}}
            finally:
                con.close()
            whole = all(seen[m] == (counts[m], manifest[m]) for m in marts)
            log.write(json.dumps({{"hashes": manifest, "whole": whole}}) + "\\n")
        except Exception as e:
            log.write(json.dumps({{"error": repr(e)}}) + "\\n")
        log.flush()
        try:
            open(stop).close()
            break
        except FileNotFoundError:
            time.sleep(0.005)
"""


@pytest.fixture
def rebuilt_under_reader(history, tmp_path):
    """History published; then, while a reader loops, the day's files arrive and the
    pipeline rebuilds and republishes."""
    ws = copy_workspace(history, tmp_path / "ws")
    with env(KEFU_HOME=str(ws.home)):
        before = published_hashes(ws)
        stop, out = tmp_path / "stop", tmp_path / "reads.jsonl"
        reader = subprocess.Popen(
            [
                sys.executable,
                "-c",
                READER.format(marts=list(mart_grain())),
                str(ws.published_file),
                str(stop),
                str(out),
            ],
            cwd=REPO_ROOT,
        )
        try:
            time.sleep(1)  # the reader is reading before the rebuild starts
            run_pipeline(ws)  # the day's files: new figures, republished under the reader
            after = published_hashes(ws)
            time.sleep(0.5)
        finally:
            stop.touch()
            reader.wait(timeout=60)
    reads = [json.loads(line) for line in out.read_text().splitlines()]
    return before, after, reads


def test_every_read_is_one_whole_snapshot_before_or_after(rebuilt_under_reader):
    before, after, reads = rebuilt_under_reader
    assert before != after  # the rebuild did change the figures
    assert len(reads) > 20
    assert [r for r in reads if "error" in r] == []
    assert all(r["whole"] for r in reads)
    assert {json.dumps(r["hashes"], sort_keys=True) for r in reads} <= {
        json.dumps(before, sort_keys=True),
        json.dumps(after, sort_keys=True),
    }
    assert reads[0]["hashes"] == before and reads[-1]["hashes"] == after
