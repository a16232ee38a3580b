"""A frozen quarter stays as it was: only a settled quarter can be frozen; a later build that
says something else of it blocks nothing, the published snapshot keeps the frozen figures and
lists what differs (post_freeze_differences, `kefu diff`); only a restatement, with who, when
and why recorded, moves them."""

import csv
import io
import json

import duckdb
import pytest

from kefu.freeze import MONTHLY, QUARTERLY, FrozenPeriodError, diff_period, freeze, frozen_dir, keep_frozen_periods
from kefu.pipeline import run_pipeline
from kefu.publish import published_hashes
from kefu.trace import trace
from kefu.workspace import Workspace
from tests.conftest import copy_workspace, env


def frozen_value(ws: Workspace, mart: str, column: str, org_code: str, month: str):
    with duckdb.connect(str(frozen_dir(ws) / "2026-Q2.duckdb"), read_only=True) as con:
        return con.execute(
            f"select {column} from {mart} where org_code = ? and period_month = ?", [org_code, month]
        ).fetchone()[0]


def frozen_hashes(hashes: dict[str, str]) -> dict[str, str]:
    return {m: h for m, h in hashes.items() if m in MONTHLY + QUARTERLY}


def published_differences(ws: Workspace) -> list[tuple]:
    with duckdb.connect(str(ws.published_file), read_only=True) as con:
        return con.execute("select * from post_freeze_differences order by all").fetchall()


def late_complaint(ws: Workspace) -> None:
    """A complaint of May 2026 that arrives after 2026-Q2 was frozen."""
    first = sorted((ws.landing / "complaints").glob("*.csv"))[0]
    header, row, *_ = list(csv.reader(io.StringIO(first.read_text(encoding="utf-8"))))
    late = dict(zip(header, row), complaint_id="LATE0001", received_at="2026-05-20 10:00:00")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, [late[h] for h in header]])
    (ws.landing / "complaints" / "zz_late_delivery.csv").write_text(out.getvalue(), encoding="utf-8")


def test_a_frozen_quarter_moves_only_by_a_restatement_with_a_reason(built, tmp_path):
    ws = copy_workspace(built, tmp_path)  # built and published
    with env(KEFU_HOME=str(ws.home), KEFU_USER="auditor-zhang"):
        first = freeze(ws, "2026-Q2", reason="Q2 bonuses paid")
        assert first["frozen_by"] == "auditor-zhang" and first["marts"]["kpi_assessment_quarterly"]["rows"] > 0
        with pytest.raises(FrozenPeriodError, match="frozen already"):
            freeze(ws, "2026-Q2")
        before = published_hashes(ws)

        late_complaint(ws)
        run_pipeline(ws)  # publishes: a late complaint is normal, not an error
        # readers still see the frozen figures of the marts frozen (the rest moved on)
        assert frozen_hashes(published_hashes(ws)) == frozen_hashes(before)
        assert published_hashes(ws) != before
        listed = published_differences(ws)
        assert any(
            m == "kpi_complaint_rate" and d.startswith("org_code=HQ, month_start=2026-05-01: numerator ")
            for _, m, _, d in listed
        ), listed
        differences = diff_period(ws, "2026-Q2")
        assert {"kpi_complaint_rate", "kpi_complaint_timeliness", "kpi_assessment_quarterly"} <= {
            d.mart for d in differences
        }
        # each changed cell as frozen → rebuilt: head office received one complaint more in May
        frozen = frozen_value(ws, "kpi_complaint_rate", "numerator", "HQ", "2026-05")
        [rate] = [d for d in differences if d.mart == "kpi_complaint_rate" and d.problem == "values differ"]
        assert any(
            line.startswith("org_code=HQ, month_start=2026-05-01: ") and f"numerator {frozen} → {frozen + 1}" in line
            for line in rate.lines()
        ), rate.lines()
        # an auditor tracing the figure learns that BI readers see the published one
        traced = trace(ws, "kpi_complaint_rate", "HQ", "2026-05")
        assert traced.numerator == frozen + 1 and traced.published[0] == frozen
        assert f"published    {frozen:,} ÷ " in traced.describe() and "BI readers see this" in traced.describe()

        with pytest.raises(FrozenPeriodError, match="needs a reason"):
            freeze(ws, "2026-Q2", restate=True)
        second = freeze(ws, "2026-Q2", reason="late complaint LATE0001 from 营业部", restate=True, by="auditor-li")
        assert second["restates"] == first["hash"] != second["hash"]
        assert diff_period(ws, "2026-Q2") == []
        run_pipeline(ws)  # the restated figures publish (a restatement is new input to the build)
        assert frozen_hashes(published_hashes(ws)) != frozen_hashes(before)
        assert published_differences(ws) == []
        assert trace(ws, "kpi_complaint_rate", "HQ", "2026-05").published is None  # one number again
    assert (frozen_dir(ws) / f"2026-Q2.{first['hash']}.duckdb").exists()  # the old version is kept
    log = [json.loads(line) for line in (frozen_dir(ws) / "log.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(e["frozen_by"], e["reason"]) for e in log] == [
        ("auditor-zhang", "Q2 bonuses paid"),
        ("auditor-li", "late complaint LATE0001 from 营业部"),
    ]


def test_a_quarter_that_has_not_settled_cannot_be_frozen(built, tmp_path):
    ws = copy_workspace(built, tmp_path)
    with duckdb.connect(str(ws.published_file), read_only=True) as con:
        open_quarters = con.execute(
            "select period_quarter, settles_on from ref_quarter_settlement where not is_settled order by all"
        ).fetchall()
    assert open_quarters  # the data's last quarter at least: its surveys are still due
    period, settles_on = open_quarters[0]
    with env(KEFU_HOME=str(ws.home)), pytest.raises(FrozenPeriodError, match=f"{period} has not settled") as refused:
        freeze(ws, period, reason="too early")
    assert f"it settles by {settles_on} at the latest (settlement rule ST1" in str(refused.value)
    assert not (frozen_dir(ws) / f"{period}.duckdb").exists()


def test_a_quarter_frozen_before_a_mart_joined_the_frozen_set_keeps_what_it_froze(built, tmp_path):
    """The departments' marts joined the frozen set on 12-08: a quarter frozen before holds no
    rows of them. Its diff and its publication read what it froze and publish the new marts'
    rows of the quarter as built."""
    ws = copy_workspace(built, tmp_path / "ws")
    with env(KEFU_HOME=str(ws.home)):
        freeze(ws, "2026-Q2", reason="Q2 bonuses paid")
    new = ["kpi_complaints_by_department", "kpi_assessment_department_quarterly"]
    with duckdb.connect(str(frozen_dir(ws) / "2026-Q2.duckdb")) as con:
        for mart in new:
            con.execute(f"drop table {mart}")
    assert diff_period(ws, "2026-Q2") == []
    snapshot = tmp_path / "snapshot.duckdb"
    snapshot.write_bytes(ws.published_file.read_bytes())
    with duckdb.connect(str(snapshot)) as con:  # as a snapshot about to be published: before the list is made
        con.execute("drop table post_freeze_differences")
    assert keep_frozen_periods(ws, snapshot) == []
    with duckdb.connect(str(snapshot), read_only=True) as con:
        kept = {m: con.execute(f"select count(*) from {m}").fetchone()[0] for m in new}
    with duckdb.connect(str(ws.published_file), read_only=True) as con:
        assert kept == {m: con.execute(f"select count(*) from {m}").fetchone()[0] for m in new}
