"""`kefu spark up | down | status`: a Spark standalone cluster with its Thrift server on this
machine, for the spark_cluster target (the Spark tests build in-process: conftest.SPARK_TARGET)."""

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import kefu_spark

KEFU = str(Path(sys.executable).parent / "kefu")


@pytest.mark.xdist_group("spark")  # its JVMs beside the Spark build's, not beside the other worker's
def test_up_starts_each_daemon_on_the_loopback_and_down_stops_them(workspace, monkeypatch):
    for name in ("KEFU_SPARK_MASTER_PORT", "KEFU_SPARK_MASTER_UI_PORT", "KEFU_SPARK_WORKER_UI_PORT", "KEFU_SPARK_PORT"):
        monkeypatch.setenv(name, str(_free_port()))
    try:
        started = kefu_spark(workspace.home, "up")
        assert started[-1].startswith(f"Spark Thrift server on 127.0.0.1:{os.environ['KEFU_SPARK_PORT']}: "), started
        lines = kefu_spark(workspace.home, "status")
        port = os.environ["KEFU_SPARK_PORT"]
        assert re.fullmatch(r"master: running \(pid \d+, 127\.0\.0\.1:\d+\)", lines[0]), lines
        assert re.fullmatch(r"worker: running \(pid \d+\)", lines[1]), lines
        assert re.fullmatch(rf"thrift server: running \(pid \d+, 127\.0\.0\.1:{port}\)", lines[2]), lines
        # every port of the cluster's processes (the daemons and the executor the worker started)
        # on the loopback interface only
        pids = {int(p) for p in re.findall(r"pid (\d+)", "\n".join(lines))}
        addresses = listening_addresses(pids | children_of(pids))
        assert len(addresses) >= 3 and set(addresses) <= LOOPBACK, addresses  # the RPC ports, the UIs, Thrift
    finally:
        stopped = kefu_spark(workspace.home, "down")
    assert stopped == ["  thrift server: stopped", "  worker: stopped", "  master: stopped"]
    assert not any(_alive(pid) for pid in pids | children_of(pids))
    # each stopped on SIGTERM (its shutdown hooks ran), not killed after the wait: this worker
    # may have run a Dagster job before (kefu.workarounds.sigterm_kept)
    logs = sorted((workspace.home / "spark_cluster" / "logs").glob("*.out"))
    assert len(logs) == 3 and all("RECEIVED SIGNAL TERM" in log.read_text(errors="replace") for log in logs)
    assert kefu_spark(workspace.home, "status") == [
        "master: not running",
        "worker: not running",
        "thrift server: not running",
    ]


def _alive(pid: int) -> bool:
    """Running: a process that exited but whose parent has not reaped it yet (a zombie) is not."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


# /proc/net/tcp{,6} local addresses: 127.0.0.1, ::ffff:127.0.0.1 and ::1 as the kernel writes them
LOOPBACK = {"0100007F", "0000000000000000FFFF00000100007F", "00000000000000000000000001000000"}


def children_of(pids: set[int]) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid in pids:
            found.add(int(stat.parent.name))
    return found


def listening_addresses(pids: set[int]) -> list[str]:
    """The local address (hex, as /proc/net/tcp writes it) of each of the processes' listening TCP sockets."""
    sockets = set()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                link = os.readlink(fd)
            except OSError:
                continue
            if link.startswith("socket:["):
                sockets.add(link[len("socket:[") : -1])
    addresses = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in sockets:  # 0A: LISTEN; fields[9]: the socket's inode
                addresses.append(fields[1].split(":")[0])
    return addresses


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
