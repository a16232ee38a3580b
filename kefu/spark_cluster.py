"""A Spark standalone cluster on this machine for the `spark_cluster` dbt target: a master, one
worker and the Thrift JDBC/ODBC server (HiveServer2), which dbt-spark reaches with
`method: thrift`. `kefu spark up | down | status`.

The pyspark wheel carries Spark's jars and `sbin/spark-daemon.sh`, but not the
start-master.sh / start-thriftserver.sh wrappers: this module does what those do, through
spark-daemon.sh itself (its pid files, logs and `stop`). Everything stays in the workspace
(`spark_cluster/`: logs, pids, the worker's scratch; the metastore and tables where the
in-process `spark` target keeps them), and every port binds to 127.0.0.1. On a real cluster
the same profile points at its Thrift host instead (docs/engines.md)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from kefu.errors import UserError
from kefu.workspace import Workspace

HOST = "127.0.0.1"
MASTER = "org.apache.spark.deploy.master.Master"
WORKER = "org.apache.spark.deploy.worker.Worker"
THRIFT = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
IDENT = "kefu"
START_TIMEOUT_S = 180


def _port(env: str, default: int) -> int:
    return int(os.environ.get(env, default))


@dataclass(frozen=True)
class Ports:
    """The cluster's ports, read from the environment when asked (not when kefu is imported)."""

    master: int = field(default_factory=lambda: _port("KEFU_SPARK_MASTER_PORT", 7077))
    master_ui: int = field(default_factory=lambda: _port("KEFU_SPARK_MASTER_UI_PORT", 8080))
    worker_ui: int = field(default_factory=lambda: _port("KEFU_SPARK_WORKER_UI_PORT", 8081))
    thrift: int = field(
        default_factory=lambda: _port("KEFU_SPARK_PORT", 10000)
    )  # what the spark_cluster profile reaches


def spark_home() -> Path:
    try:
        import pyspark
    except ImportError as missing:
        raise UserError("pyspark is not installed: `make install` (or pip install -e '.[spark]')") from missing
    return Path(pyspark.__file__).parent


def cluster_dir(ws: Workspace) -> Path:
    return ws.home / "spark_cluster"


def _daemon_env(ws: Workspace) -> dict[str, str]:
    folder = cluster_dir(ws)
    return {
        **os.environ,
        "SPARK_HOME": str(spark_home()),
        "SPARK_LOG_DIR": str(folder / "logs"),
        "SPARK_PID_DIR": str(folder / "pids"),
        "SPARK_IDENT_STRING": IDENT,
        "SPARK_LOCAL_IP": HOST,  # the daemons' web UIs bind here, not on every interface
        "SPARK_CONF_DIR": str(folder / "conf"),  # empty: no spark-defaults.conf from elsewhere
    }


def _daemon(ws: Workspace, action: str, main_class: str, *args: str) -> subprocess.CompletedProcess:
    script = spark_home() / "sbin" / "spark-daemon.sh"
    return subprocess.run(
        ["bash", str(script), action, main_class, "1", *args],
        env=_daemon_env(ws),
        capture_output=True,
        text=True,
        # a daemon stops on SIGTERM (`down`) even if this process was started ignoring it
        # (inherited: a shell's background job, kefu.workarounds.sigterm_kept)
        preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL),
    )


def _pid(ws: Workspace, main_class: str) -> int | None:
    path = cluster_dir(ws) / "pids" / f"spark-{IDENT}-{main_class}-1.pid"
    try:
        pid = int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if _alive(pid) else None


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((HOST, port)) == 0


def _log(ws: Workspace, main_class: str) -> Path:
    logs = sorted((cluster_dir(ws) / "logs").glob(f"spark-{IDENT}-{main_class}-1-*.out"))
    return logs[-1] if logs else cluster_dir(ws) / "logs"


def _thrift_conf(ws: Workspace) -> list[str]:
    """The Thrift server's Spark settings: the `spark` profile's, so that both targets keep
    one metastore and one warehouse per workspace and build the same tables."""
    java = f"-Dderby.system.home={ws.home / 'warehouse'} {os.environ.get('KEFU_SPARK_JAVA_OPTIONS', '')}".strip()
    conf = {
        "spark.sql.warehouse.dir": str(ws.spark_warehouse),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={ws.home / 'warehouse' / 'spark_metastore'};create=true"
        ),
        "spark.driver.extraJavaOptions": java,
        "spark.executor.extraJavaOptions": java,
        "spark.driver.host": HOST,
        "spark.driver.bindAddress": HOST,
        "spark.ui.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "4",
        # dbt-spark turns ANSI mode off in every session (Spark 4 has it on), through settings
        # the Thrift server ignores (see profiles.yml): the server's default, then
        "spark.sql.ansi.enabled": "false",
        "spark.executor.memory": os.environ.get("KEFU_SPARK_EXECUTOR_MEMORY", "2g"),
    }
    args = [arg for key, value in conf.items() for arg in ("--conf", f"{key}={value}")]
    hive = {"hive.server2.thrift.bind.host": HOST, "hive.server2.thrift.port": str(Ports().thrift)}
    return args + [arg for key, value in hive.items() for arg in ("--hiveconf", f"{key}={value}")]


def status(ws: Workspace) -> list[str]:
    """One line per daemon: running (pid, port) or not."""
    ports = Ports()
    lines = []
    for name, main_class, port in (
        ("master", MASTER, ports.master),
        ("worker", WORKER, None),
        ("thrift server", THRIFT, ports.thrift),
    ):
        pid = _pid(ws, main_class)
        if pid is None:
            lines.append(f"{name}: not running")
        elif port is not None and not _listening(port):
            lines.append(f"{name}: starting (pid {pid}, {HOST}:{port} not answering yet; log {_log(ws, main_class)})")
        else:
            lines.append(f"{name}: running (pid {pid}{f', {HOST}:{port}' if port else ''})")
    return lines


def up(ws: Workspace, log=print) -> None:
    """Start whatever is not running, and wait until the Thrift server answers."""
    ports = Ports()
    folder = cluster_dir(ws)
    for sub in ("logs", "pids", "conf", "work"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    ws.spark_warehouse.mkdir(parents=True, exist_ok=True)
    for port, what in ((ports.master, "the master"), (ports.thrift, "the Thrift server")):
        if _listening(port) and _pid(ws, MASTER if what == "the master" else THRIFT) is None:
            raise UserError(
                f"{HOST}:{port} is taken by another process, so {what} cannot start: stop it, or set "
                f"{'KEFU_SPARK_MASTER_PORT' if what == 'the master' else 'KEFU_SPARK_PORT'} to a free port"
            )
    master_url = f"spark://{HOST}:{ports.master}"
    steps = (
        (
            "master",
            MASTER,
            "start",
            ["--host", HOST, "--port", str(ports.master), "--webui-port", str(ports.master_ui)],
        ),
        (
            "worker",
            WORKER,
            "start",
            [
                "--host",
                HOST,
                "--webui-port",
                str(ports.worker_ui),
                "--work-dir",
                str(folder / "work"),
                "--memory",
                os.environ.get("KEFU_SPARK_WORKER_MEMORY", "4g"),
                master_url,
            ],
        ),
        (
            "thrift server",
            THRIFT,
            "submit",
            ["--master", master_url, "--name", "kefu Thrift server", *_thrift_conf(ws)],
        ),
    )
    for name, main_class, action, args in steps:
        if _pid(ws, main_class) is not None:
            log(f"  {name}: already running")
            continue
        done = _daemon(ws, action, main_class, *args)
        if done.returncode != 0:
            raise UserError(f"the Spark {name} did not start: {(done.stdout + done.stderr).strip()[-500:]}")
        log(f"  {name}: started (log {_log(ws, main_class)})")
        if main_class == MASTER:
            _wait(ws, MASTER, ports.master, "master")
    _wait(ws, THRIFT, ports.thrift, "Thrift server")


def _wait(ws: Workspace, main_class: str, port: int, name: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if _listening(port):
            return
        if _pid(ws, main_class) is None:
            raise UserError(f"the Spark {name} stopped while starting: its log is {_log(ws, main_class)}")
        time.sleep(1)
    raise UserError(
        f"the Spark {name} did not answer on {HOST}:{port} in {START_TIMEOUT_S} s: its log is {_log(ws, main_class)}"
    )


def down(ws: Workspace, log=print) -> None:
    """Stop the Thrift server, the worker and the master (what is running of them), each gone
    before the next is asked: the Thrift server holds the workspace's metastore (embedded
    Derby, one process at a time), which the in-process `spark` target opens next."""
    for name, main_class in (("thrift server", THRIFT), ("worker", WORKER), ("master", MASTER)):
        pid = _pid(ws, main_class)
        if pid is None:
            continue
        _daemon(ws, "stop", main_class)  # SIGTERM: Spark's shutdown hooks run
        deadline = time.monotonic() + 60
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
        log(f"  {name}: stopped")


def _alive(pid: int) -> bool:
    """Running. A daemon that exited is a zombie until its parent reaps it: spark-daemon.sh
    leaves it to the machine's init, and where that reaps nothing (a container's first process
    often does not) `down` waited its 60 s for each daemon (3 min in CI, 12-07)."""
    if not Path("/proc/self/stat").exists():  # no procfs (macOS): a zombie counts as running
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False
