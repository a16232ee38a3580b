"""A person's mistake at the command line gets one line saying what is wrong and what to do,
and a non-zero exit: never a traceback, never a silent wrong result."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

KEFU = str(Path(sys.executable).parent / "kefu")


def kefu(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [KEFU, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "KEFU_HOME": str(home), "KEFU_PII_KEY": "test-key-not-a-secret"},
    )


def says_in_one_line(done: subprocess.CompletedProcess, command: str, *fragments: str) -> None:
    assert done.returncode == 1, (done.returncode, done.stdout[-500:], done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"kefu {command}: "), line
    for fragment in fragments:
        assert fragment in line, line


@pytest.mark.parametrize(
    "args",
    [
        ["summary"],
        ["check"],
        ["publish", "--period", "2026-Q1", "--reason", "x"],
        ["diff"],
        ["trace", "投诉率", "--org", "HQ", "--period", "2026-01"],
        ["sample", "--org", "HQ", "--period", "2026-01"],
        ["bi", "--provision-only"],
        ["metrics", "complaint_rate"],
    ],
    ids=lambda a: a[0],
)
def test_an_empty_workspace_says_to_build_first(tmp_path, args):
    says_in_one_line(kefu(tmp_path, *args), args[0], str(tmp_path), "run `kefu build`")


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["check", "no_such_checkpoint"], ["no checkpoint no_such_checkpoint", "kpi_marts"]),
        (["diff", "--period", "2025-Q3"], ["2025-Q3 is not frozen", "kefu publish --period 2025-Q3"]),
        (["sample", "--org", "ZZ999", "--period", "2026-01"], ["no unit 'ZZ999' in the org tree"]),
        (["sample", "--org", "HQ", "--period", "2026-01", "--out", "paper.pdf"], ["write .csv or .xlsx", ".pdf"]),
        (
            ["trace", "投诉率", "--org", "HQ", "--period", "2026-01", "--out", "/no/such/folder/paper.csv"],
            ["the folder /no/such/folder does not exist"],
        ),
    ],
    ids=["unknown checkpoint", "unfrozen quarter", "unknown unit", "unsupported --out", "missing --out folder"],
)
def test_a_wrong_argument_is_named_with_what_to_do(built, args, fragments):
    says_in_one_line(kefu(built.home, *args), args[0], *fragments)


def test_ingest_says_why_rows_were_quarantined(tmp_path):
    (tmp_path / "landing" / "complaints").mkdir(parents=True)
    extract = tmp_path / "landing" / "complaints" / "complaints_20261201.csv"
    extract.write_text(
        "complaint_id,received_at,channel,complaint_class,org_code\n"
        "C1,2026-11-30 09:00:00,hotline,service,HQ\n"
        "C2,2026-11-30 10:00:00,fax,service,HQ\n"
        "C3,2026-11-30 11:00:00,pigeon,product,HQ\n",
        encoding="utf-8",
    )
    done = kefu(tmp_path, "ingest")
    assert done.returncode == 0, done.stderr
    assert "quarantined 2 × column channel: value … is not one of the allowed values" in done.stdout
    assert f"  e.g. {extract}, row 3: column channel: value 'fax' is not one of the allowed values" in done.stdout
    assert "3 rows read, 1 loaded, 2 quarantined" in done.stdout


def test_the_builds_terminal_output_is_dbts_progress_and_its_log_is_whole():
    import io

    from kefu.cli import DbtProgress

    lines = [
        f"12:00:00  {i} of 8 {'PASS' if i % 2 else 'OK created sql table model'} core.m{i} [OK in 0.1s]"
        for i in range(1, 9)
    ]
    log, terminal = io.StringIO(), io.StringIO()
    progress = DbtProgress(log, terminal)
    head = [
        "Running with dbt=1.11",
        "1 of 1 OK hook: kefu.on-run-start.0 [OK in 4.6s]",
        "1 of 8 START sql table model core.m1",
    ]
    for line in [*head, *lines]:
        progress.write(line + "\n")
    assert log.getvalue().splitlines() == [*head, *lines]
    assert terminal.getvalue().splitlines() == [f"  dbt {n}/8 models, seeds and tests" for n in (2, 4, 6, 8)]


def test_a_second_kefu_ui_on_a_port_in_use_says_so_and_starts_nothing(tmp_path):
    import socket

    with socket.socket() as taken:  # as a running `kefu ui` holds it
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        done = kefu(tmp_path, "ui", "--port", port)
    says_in_one_line(done, "ui", f"127.0.0.1:{port} is in use", "kefu ui` already running", "--port")


# what only running the pipeline needs: a command that reads the published snapshot starts in
# well under a second without them (with them, each start took 3 s more)
PIPELINE_ONLY = ("dagster", "dagster_dbt", "dbt", "great_expectations")


@pytest.mark.parametrize("command", [["summary"], ["trace", "投诉率", "--org", "HQ", "--period", "2026-01"]])
def test_a_command_that_runs_no_pipeline_loads_neither_dagster_nor_dbt(tmp_path, command):
    code = (
        "import sys\nfrom kefu.cli import main\n"
        f"try:\n    main({command!r})\nexcept SystemExit:\n    pass\n"
        f"print(sorted(set({PIPELINE_ONLY!r}) & set(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "KEFU_HOME": str(tmp_path)}
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["bi", "--port", "70000"], ["--port 70000", "1 to 65535"]),
        (["ui", "--port", "0"], ["--port 0", "1 to 65535"]),
        (["ui", "--host", "no-such-host.invalid"], ["--host no-such-host.invalid", "cannot be served here"]),
    ],
    ids=["port too large", "port zero", "unknown host"],
)
def test_a_server_address_that_cannot_be_served_is_one_line(tmp_path, args, fragments):
    says_in_one_line(kefu(tmp_path, *args), args[0], *fragments)
