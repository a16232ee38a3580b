"""Every hostile case at once, on top of the sample extracts: the pipeline runs through, every
row is loaded or quarantined with a reason, and every KPI mart equals the clean build's.

Hostile files carry bad rows, or good rows that repeat a complaint exactly as it already
stands (so a file that is loaded and wins changes nothing a KPI can see)."""

import csv
import io
import shutil

import duckdb
import pytest

from kefu.marts import compare_marts
from kefu.pipeline import run_pipeline
from kefu.reconcile import reconcile
from tests.conftest import copy_workspace, env

pytestmark = pytest.mark.xdist_group("hostile_kpis")  # one worker builds the module's workspace once


def stable_complaints(landing, n=4) -> tuple[list[str], list[list[str]]]:
    """Rows of the first monthly file whose complaints no later file touches."""
    files = sorted((landing / "complaints").glob("*.csv"))
    header, *rows = list(csv.reader(io.StringIO(files[0].read_text(encoding="utf-8"))))
    later = "".join(f.read_text(encoding="utf-8") for f in files[1:])
    return header, [r for r in rows if f'"{r[0]}"' not in later][:n]


def as_csv(header, rows) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    return out.getvalue()


def hostile_files(landing) -> dict[str, tuple[bytes, int]]:
    """name → (content, rows it must quarantine)."""
    header, rows = stable_complaints(landing)
    good = as_csv(header, rows[:2])
    col = {name: i for i, name in enumerate(header)}

    def changed(row, **values):
        return [values.get(name, row[i]) for name, i in col.items()]

    summary_at = col["summary"]
    files = {
        "zz01_truncated.csv": (good + ",".join(rows[2])[:25], 1),
        "zz02_duplicated_header.csv": (as_csv(header + ["channel"], [rows[0] + ["online"]]), 1),
        "zz03_bom.csv": ("\ufeff" + good, 0),
        "zz04_gbk.csv": (as_csv(header, rows[:2]).encode("gbk"), 0),
        "zz05_reordered_extra_missing.csv": (
            as_csv(header[::-1][1:] + ["legacy_flag"], [r[::-1][1:] + ["X"] for r in rows[:2]]),
            0,
        ),
        "zz06_wrong_types.csv": (as_csv(header, [changed(rows[3], received_at="yesterday")]), 1),
        "zz07_future.csv": (as_csv(header, [changed(rows[3], received_at="2099-01-01 09:00:00")]), 1),
        "zz08_repeated_id.csv": (as_csv(header, [rows[0], rows[0]]), 1),
        "zz09_formula.csv": (as_csv(header, [changed(rows[1], summary="=cmd|' /C calc'!A0")]), 0),
        "zz10_big_field.csv": (as_csv(header, [changed(rows[1], summary="投" * 3_500_000)]), 0),
        "zz11_empty.csv": ("", 0),
        "zz12_header_only.csv": (as_csv(header, []), 0),
        "zz13_three_date_formats.csv": (
            as_csv(
                header,
                [
                    changed(rows[2], received_at=rows[2][col["received_at"]].replace("-", "/")),
                    changed(rows[3], received_at=rows[3][col["received_at"]].replace(" ", "T")),
                ],
            ),
            0,
        ),
        "zz14_mixed_encodings.csv": (
            good.encode("utf-8")
            + b"\xff\xfe broken line\n"
            + as_csv(header, [rows[3]]).split("\n", 1)[1].encode("gbk"),
            1,
        ),
    }
    assert summary_at and all(len(r) == len(header) for r in rows)
    return {k: (v.encode("utf-8") if isinstance(v, str) else v, n) for k, (v, n) in files.items()}


@pytest.fixture(scope="session")  # not module: see tests/test_mapping_ct.py's ct
def hostile(built, tmp_path_factory):
    """The built workspace, then a day whose files are hostile: the run loads their good rows."""
    ws = copy_workspace(built, tmp_path_factory.mktemp("hostile"))
    files = hostile_files(ws.landing)
    for name, (content, _) in files.items():
        (ws.landing / "complaints" / name).write_bytes(content)
    first_month = sorted((ws.landing / "complaints").glob("*.csv"))[0]
    shutil.copy(first_month, ws.landing / "complaints" / "zz15_same_file_again.csv")
    events = sorted((ws.landing / "complaint_events").glob("*.csv"))[0]
    header, *rows = list(csv.reader(io.StringIO(events.read_text(encoding="utf-8"))))
    # a closure dated a year before the complaint was received, as a later event of it
    closed = [rows[0][0], "99", "closed", "2020-01-01 09:00:00", rows[0][4]]
    (ws.landing / "complaint_events" / "zz_closed_before_received.csv").write_text(as_csv(header, [closed]))
    with env(KEFU_HOME=str(ws.home)):
        run = run_pipeline(ws)
    return ws, run, sum(n for _, n in files.values())


def test_the_kpis_are_those_of_the_good_rows(built, hostile):
    ws, _, _ = hostile
    differences = compare_marts(built, "duckdb", ws, "duckdb")
    assert differences == [], "\n".join(f"{d.mart}: {d.problem} {d.rows}" for d in differences)


def test_every_row_is_loaded_or_quarantined_with_a_reason(hostile):
    ws, _, expected_quarantined = hostile
    result = reconcile(ws)
    assert not result.failures, result.describe()
    reasons = duckdb.sql(f"select reason from read_parquet('{ws.quarantine}/complaints/*.parquet')").fetchall()
    assert len(reasons) == expected_quarantined
    assert all(r and "/landing/complaints/zz" in r and ", row " in r for (r,) in reasons)


def test_the_same_file_again_is_skipped_and_bad_events_are_listed_with_a_warning(hostile):
    ws, run, _ = hostile
    log = duckdb.sql(f"select source_file from read_parquet('{ws.loads}/complaints/*.parquet')").fetchall()
    assert not any("zz15_same_file_again" in f for (f,) in log)  # no load: its checksum is known
    assert any("complaint_events_before_receipt" in w for w in run.warnings)
    con = duckdb.connect(str(ws.warehouse_file), read_only=True)
    try:
        [(n, source)] = con.sql(
            "select count(*), any_value(source_file) from core.int_complaint_events_before_receipt"
        ).fetchall()
    finally:
        con.close()
    assert n == 1 and source.endswith("zz_closed_before_received.csv")
