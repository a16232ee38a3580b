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

# A read hashes every mart (~a tenth of a second of CPU): about once a second while the
# pipeline builds, back to back from the moment the new snapshot is being written until a
# second after it is moved into place (a reader in a tight loop for the whole run took a core
# from the other pytest worker for a minute). Between reads it looks for the copy being
# written every 5 ms, which costs next to nothing.
READER = """
import json, sys, time, duckdb
from pathlib import Path
from kefu.marts import content_hash
published, stop, out = sys.argv[1:]
marts = {marts!r}
folder, name = Path(published).parent, Path(published).name
def publishing():
    return any(folder.glob(f".{{name}}.*.tmp"))  # kefu.publish writes the copy under this name
def wait_for_the_next_read():  # a second, cut short when a snapshot is being written
    deadline = time.monotonic() + 1
    while time.monotonic() < deadline and not publishing() and not Path(stop).exists():
        time.sleep(0.005)
hot_until = 0.0
with open(out, "w") as log:
    while True:
        during = publishing()
        if during:
            hot_until = time.monotonic() + 1
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
            log.write(json.dumps({{"hashes": manifest, "whole": whole, "publishing": during}}) + "\\n")
        except Exception as e:
            log.write(json.dumps({{"error": repr(e)}}) + "\\n")
        log.flush()
        if Path(stop).exists():
            break
        if time.monotonic() >= hot_until:
            wait_for_the_next_read()
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
    assert any(r.get("publishing") for r in reads)  # some read while the new snapshot was written
    assert [r for r in reads if "error" in r] == []
    assert all(r["whole"] for r in reads)
    assert {json.dumps(r["hashes"], sort_keys=True) for r in reads} <= {
        json.dumps(before, sort_keys=True),
        json.dumps(after, sort_keys=True),
    }
    assert reads[0]["hashes"] == before and reads[-1]["hashes"] == after
