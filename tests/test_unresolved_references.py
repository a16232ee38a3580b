"""A row naming a unit the org tree lacks (late-arriving, or mistyped) must not stop the day
(#7 §2): it loads, counts at head office under an inferred member, is listed in
unresolved_references and warned of by file and row; when the unit's row arrives the record
re-attaches where it belongs. Past the share of a load the threshold seed allows, the run
fails naming the rows, and nothing is published."""

import csv
from pathlib import Path

import duckdb
import pytest

from kefu.pipeline import PipelineFailed, run_pipeline
from kefu.workspace import Workspace
from tests.independent import Tree, extract


def land(ws: Workspace, entity: str, name: str, rows: list[dict]) -> Path:
    path = ws.landing / entity / name
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def complaints_like_the_last(ws: Workspace, org_code: str, n: int, prefix: str) -> list[dict]:
    template = extract(ws.landing, "complaints").iloc[-1].to_dict()
    return [{**template, "complaint_id": f"{prefix}{i:06d}", "org_code": org_code} for i in range(n)]


def received(ws: Workspace, org_code: str, month: str) -> int | None:
    with duckdb.connect(str(ws.warehouse_file), read_only=True) as con:
        row = con.execute(
            "select numerator from marts.kpi_complaint_rate where org_code = ? and period_month = ?", [org_code, month]
        ).fetchone()
    return row and row[0]


def independent_count(ws: Workspace, ancestor: str | None, month: str) -> int:
    """Complaints received in the month, from the landing files; under ``ancestor`` as the
    tree stood on each complaint's day, or all of them (head office counts every complaint)."""
    complaints = extract(ws.landing, "complaints")
    complaints = complaints[complaints.received_at.str[:7].str.replace("/", "-") == month]
    if ancestor is None:
        return len(complaints)
    tree = Tree(ws.landing)
    return sum(ancestor in tree.ancestors(c.org_code, c.received_at[:10]) for c in complaints.itertuples())


def test_an_unknown_unit_counts_at_head_office_until_its_row_arrives(history_copy):
    ws = history_copy
    planted = complaints_like_the_last(ws, "ZZ999", 1, "TSZZ")
    month = planted[0]["received_at"][:7]
    # a day's file where one complaint of 200 names a unit not yet in the tree (0.5%: below
    # the 1% threshold); the other 199 are re-delivered as they were
    again = extract(ws.landing, "complaints").tail(199).to_dict("records")
    land(ws, "complaints", "complaints_zz999.csv", planted + again)

    run = run_pipeline(ws)  # the day's files and the planted one

    warned = "\n".join(run.warnings)
    assert "warn_unresolved_references" in warned
    assert "reference_value=ZZ999" in warned and "record_key=TSZZ000000" in warned
    assert "complaints_zz999.csv" in warned and "source_row=2" in warned
    assert received(ws, "HQ", month) == independent_count(ws, None, month)  # the planted one included
    assert received(ws, "ZZ999", month) == 1  # the inferred member's own row
    with duckdb.connect(str(ws.warehouse_file), read_only=True) as con:
        assert con.execute("select org_name, is_inferred from core.dim_org where org_code = 'ZZ999'").fetchone() == (
            "未知机构 ZZ999",
            True,
        )

    # the unit's row arrives: the complaint re-attaches under its province
    land(
        ws,
        "org_units",
        "org_units_zz999.csv",
        [
            {
                "org_code": "ZZ999",
                "org_name": "新设支公司",
                "parent_code": "P01",
                "org_level": "3",
                "org_type": "支公司",
                "province": "广东省",
                "effective_from": "2015-01-01",
                "effective_to": "",
            }
        ],
    )
    before = independent_count(ws, "P01", month) - 1
    run = run_pipeline(ws)

    assert not any("unresolved" in w for w in run.warnings), run.warnings
    assert received(ws, "P01", month) == independent_count(ws, "P01", month) == before + 1
    assert received(ws, "HQ", month) == independent_count(ws, None, month)
    with duckdb.connect(str(ws.warehouse_file), read_only=True) as con:
        assert con.execute("select count(*) from core.unresolved_references").fetchone() == (0,)
        assert con.execute("select is_inferred from core.dim_org where org_code = 'ZZ999'").fetchone() == (False,)


def test_past_the_threshold_the_run_fails_naming_the_rows_and_publishes_nothing(history_copy):
    ws = history_copy  # the history's snapshot is published; the day's files wait in landing
    with duckdb.connect(str(ws.published_file), read_only=True) as con:
        published = con.execute("select * from snapshot").fetchall()
    land(ws, "complaints", "complaints_wrong_units.csv", complaints_like_the_last(ws, "ZZ998", 3, "TSWR"))

    with pytest.raises(PipelineFailed) as failed:
        run_pipeline(ws)

    message = str(failed.value)
    assert "check assert_unresolved_references_within_threshold on core/unresolved_references failed: 3 rows" in message
    assert "reference_value=ZZ998" in message and "complaints_wrong_units.csv" in message and "source_row=2" in message
    assert "Traceback" not in message
    with duckdb.connect(str(ws.published_file), read_only=True) as con:
        assert con.execute("select * from snapshot").fetchall() == published
