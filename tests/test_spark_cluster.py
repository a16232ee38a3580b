"""`kefu spark up | down | status`: a Spark standalone cluster with its Thrift server on this
machine, which the Spark tests build on (conftest.built_on_spark starts and stops it)."""

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import kefu_spark

KEFU = str(Path(sys.executable).parent / "kefu")


@pytest.mark.xdist_group("spark")
def test_status_names_each_daemon_of_the_running_cluster(built_on_spark):
    lines = kefu_spark(built_on_spark.home, "status")  # the cluster's ports: in the environment (built_on_spark)
    port = os.environ["KEFU_SPARK_PORT"]
    assert re.fullmatch(r"master: running \(pid \d+, 127\.0\.0\.1:\d+\)", lines[0]), lines
    assert re.fullmatch(r"worker: running \(pid \d+\)", lines[1]), lines
    assert re.fullmatch(rf"thrift server: running \(pid \d+, 127\.0\.0\.1:{port}\)", lines[2]), lines
    # every port of the cluster on the loopback interface only
    listening = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True).stdout
    pids = {int(p) for p in re.findall(r"pid (\d+)", "\n".join(lines))}
    for line in listening.splitlines():
        if any(f"pid={pid}," in line for pid in pids):
            assert re.match(r"(\[::ffff:)?127\.0\.0\.1\]?:\d+$", line.split()[3]), line


def test_status_of_a_workspace_without_a_cluster(workspace):
    assert kefu_spark(workspace.home, "status") == [
        "master: not running",
        "worker: not running",
        "thrift server: not running",
    ]


def test_a_taken_thrift_port_is_one_line(workspace):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "KEFU_SPARK_PORT": str(port), "KEFU_SPARK_MASTER_PORT": str(_free_port())}
        done = subprocess.run([KEFU, "spark", "up"], capture_output=True, text=True, env=env)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"kefu spark: 127.0.0.1:{port} is taken by another process, so the Thrift server cannot start: "
        "stop it, or set KEFU_SPARK_PORT to a free port"
    ]
    assert not list((workspace.home / "spark_cluster" / "pids").glob("*.pid"))  # nothing started


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
