"""Frozen assessment periods: once a quarter's results have moved bonuses, they must not
change under anyone's feet (`kefu publish --period 2026-Q3`, `kefu diff`).

Freezing copies the quarter's rows of the assessment and of the monthly KPI marts it rests
on into ``$KEFU_HOME/frozen/<period>.duckdb``, with a content hash per mart and who froze
it, when and why. Every later publish compares the new figures of each frozen period with
the frozen ones and refuses — the published snapshot stays as it was — when any differs. A
period changes only by an explicit restatement (``--restate --reason``), which keeps the
earlier version and records who, when and why in ``frozen/log.jsonl``.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
from pathlib import Path

import duckdb

from kefu.marts import (
    MartDifference,
    connect_read_only,
    content_hash,
    diff_relations,
    figure_columns,
    mart_grain,
    mart_sql,
)
from kefu.periods import period_months, quarter
from kefu.workspace import Workspace

MONTHLY = ["kpi_complaint_rate", "kpi_complaint_timeliness", "kpi_satisfaction", "kpi_complaints_by_class"]
QUARTERLY = ["kpi_assessment_quarterly"]


class FrozenPeriodError(RuntimeError):
    pass


def frozen_dir(ws: Workspace) -> Path:
    return ws.home / "frozen"


def period_filter(mart: str, period: str) -> str:
    """SQL condition selecting a mart's rows of a quarter (YYYY-Qn)."""
    year, number = quarter(period)
    if mart in QUARTERLY:
        return f"year_number = {year} and quarter_number = {number}"
    first, after = period_months(period)
    return f"month_start >= date '{first}' and month_start < date '{after}'"


def frozen_periods(ws: Workspace) -> list[str]:
    return sorted(p.stem for p in frozen_dir(ws).glob("*-Q[1-4].duckdb"))


def freeze(ws: Workspace, period: str, reason: str = "", restate: bool = False, by: str | None = None) -> dict:
    """Freeze a quarter from the warehouse's current build; returns the manifest."""
    folder = frozen_dir(ws)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{period}.duckdb"
    previous = _manifest(target) if target.exists() else None
    if previous and not restate:
        raise FrozenPeriodError(
            f"{period} is frozen already (hash {previous['hash']}, by {previous['frozen_by']} "
            f"at {previous['frozen_at']}); to change it, restate it: "
            f"kefu publish --period {period} --restate --reason '…'"
        )
    if restate and not reason.strip():
        raise FrozenPeriodError("a restatement needs a reason (--reason): auditors will ask why")
    if restate and not previous:
        raise FrozenPeriodError(f"{period} is not frozen: there is nothing to restate")
    by = by or os.environ.get("KEFU_USER") or getpass.getuser()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    tmp = folder / f".{period}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    con = connect_read_only(ws)
    try:
        con.execute(f"attach '{tmp}' as frozen")
        for mart in MONTHLY + QUARTERLY:
            source = mart_sql(ws, mart)
            con.execute(
                f"create table frozen.{mart} as select {figure_columns(con, source)} from {source} "
                f"where {period_filter(mart, period)}"
            )
        hashes = {
            mart: con.execute(f"select {content_hash(mart, 'frozen')}").fetchone()[0] for mart in MONTHLY + QUARTERLY
        }
        rows = {mart: con.execute(f"select count(*) from frozen.{mart}").fetchone()[0] for mart in hashes}
        if not rows["kpi_assessment_quarterly"]:
            raise FrozenPeriodError(f"the warehouse has no assessment for {period}: nothing to freeze")
        overall = hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()[:16]
        manifest = {
            "period": period,
            "hash": overall,
            "frozen_at": str(now),
            "frozen_by": by,
            "reason": reason,
            "restates": previous["hash"] if previous else None,
            "marts": {m: {"rows": rows[m], "content_hash": str(hashes[m])} for m in hashes},
        }
        con.execute("create table frozen.freeze_manifest (manifest json)")
        con.execute("insert into frozen.freeze_manifest values (?)", [json.dumps(manifest, ensure_ascii=False)])
        con.execute("detach frozen")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    if previous:  # the earlier version stays, under its own hash
        target.replace(folder / f"{period}.{previous['hash']}.duckdb")
    os.replace(tmp, target)
    with open(folder / "log.jsonl", "a", encoding="utf-8") as log:
        log.write(json.dumps({k: v for k, v in manifest.items() if k != "marts"}, ensure_ascii=False) + "\n")
    return manifest


def diff_period(ws: Workspace, period: str, against: str | None = None) -> list[MartDifference]:
    """What the warehouse (or the snapshot file ``against``) says now versus the frozen
    figures of a period: empty when nothing would change."""
    con = connect_read_only(ws) if against is None else duckdb.connect()
    try:
        con.execute(f"attach '{frozen_dir(ws) / (period + '.duckdb')}' as frozen (read_only)")
        if against is not None:
            con.execute(f"attach '{against}' as candidate (read_only)")
        differences = []
        for mart in MONTHLY + QUARTERLY:
            now = mart_sql(ws, mart) if against is None else f"candidate.main.{mart}"
            current = f"(select * from {now} where {period_filter(mart, period)})"
            differences += diff_relations(con, mart, f"frozen.main.{mart}", current, mart_grain()[mart])
        return differences
    finally:
        con.close()


def check_frozen_periods(ws: Workspace, snapshot: Path) -> None:
    """Refuse a snapshot that would change a frozen period (called before publishing it)."""
    problems = []
    for period in frozen_periods(ws):
        for d in diff_period(ws, period, against=str(snapshot)):
            problems.append(f"{period} {d.mart}: {d.problem}" + "".join(f"\n      {line}" for line in d.lines()[:3]))
    if problems:
        raise FrozenPeriodError(
            "this run would change frozen assessment periods; the published snapshot is left as it was.\n  "
            + "\n  ".join(problems)
            + "\nSee `kefu diff`; if the change is right, restate the period: "
            "kefu publish --period PERIOD --restate --reason '…'"
        )


def _manifest(path: Path) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return json.loads(con.execute("select manifest from freeze_manifest").fetchone()[0])
    finally:
        con.close()
