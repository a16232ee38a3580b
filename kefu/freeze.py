"""Frozen assessment periods: once a quarter's results have moved bonuses, they must not
change under anyone's feet (`kefu publish --period 2026-Q3`, `kefu diff`).

Only a settled quarter can be frozen (reference.ref_quarter_settlement: every complaint of
it closed or past its deadline plus a lag, and the surveys' window over; settlement_rules).
Freezing copies the quarter's rows of the assessment and of the monthly KPI marts it rests
on into ``$KEFU_HOME/frozen/<period>.duckdb``, with a content hash per mart and who froze
it, when and why. A later build that says something else of a frozen period blocks nothing:
the published snapshot keeps the frozen rows (what bonuses were paid on) and lists what the
build says differently in ``post_freeze_differences`` (frozen → rebuilt; ``kefu diff``). A
period's frozen figures change only by an explicit restatement (``--restate --reason``),
which keeps the earlier version and records who, when and why in ``frozen/log.jsonl``.
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
    model_sql,
)
from kefu.periods import period_months, quarter
from kefu.workspace import Workspace

MONTHLY = [
    "kpi_complaint_rate",
    "kpi_complaint_timeliness",
    "kpi_satisfaction",
    "kpi_complaints_by_class",
    "kpi_complaints_by_department",
]
QUARTERLY = ["kpi_assessment_quarterly", "kpi_assessment_department_quarterly"]


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
    if not restate:
        _require_settled(ws, period)
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


def diff_period(ws: Workspace, period: str, against: str | None = None, limit: int = 10) -> list[MartDifference]:
    """What the warehouse (or the snapshot file ``against``) says now versus the frozen
    figures of a period (at most ``limit`` rows a mart and kind): empty when nothing differs."""
    con = connect_read_only(ws) if against is None else duckdb.connect()
    try:
        con.execute(f"attach '{frozen_dir(ws) / (period + '.duckdb')}' as frozen (read_only)")
        if against is not None:
            con.execute(f"attach '{against}' as candidate (read_only)")
        differences = []
        for mart in _frozen_marts(con):
            now = mart_sql(ws, mart) if against is None else f"candidate.main.{mart}"
            current = f"(select * from {now} where {period_filter(mart, period)})"
            differences += diff_relations(con, mart, f"frozen.main.{mart}", current, mart_grain()[mart], limit)
        return differences
    finally:
        con.close()


POST_FREEZE_ROWS = 10_000  # differences listed per frozen period, mart and kind


def keep_frozen_periods(ws: Workspace, snapshot: Path) -> list[tuple[str, MartDifference]]:
    """Put the frozen rows of every frozen period in the snapshot about to be published, in
    place of the rebuilt ones, and list what the build says differently of them in its table
    post_freeze_differences (period, mart, kind, `keys: column frozen → rebuilt`)."""
    periods = frozen_periods(ws)
    differences = [(p, d) for p in periods for d in diff_period(ws, p, against=str(snapshot), limit=POST_FREEZE_ROWS)]
    con = duckdb.connect(str(snapshot))
    try:
        con.execute(
            "create table post_freeze_differences "
            "(period_quarter varchar, kpi_mart varchar, problem varchar, difference varchar)"
        )
        rows = [(p, d.mart, d.problem, line) for p, d in differences for line in d.lines() or [""]]
        if rows:
            con.executemany("insert into post_freeze_differences values (?, ?, ?, ?)", rows)
        for period in periods:
            con.execute(f"attach '{frozen_dir(ws) / (period + '.duckdb')}' as frozen (read_only)")
            for mart in _frozen_marts(con):
                con.execute(f"delete from main.{mart} where {period_filter(mart, period)}")
                con.execute(f"insert into main.{mart} by name select * from frozen.main.{mart}")
            con.execute("detach frozen")
    finally:
        con.close()
    return differences


def _frozen_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The marts the attached frozen period holds: a quarter frozen before a mart joined the
    frozen set (the departments' on 12-08) keeps what it froze, and the new mart's rows of
    that quarter are published as built."""
    held = {
        name
        for (name,) in con.execute("select table_name from duckdb_tables() where database_name = 'frozen'").fetchall()
    }
    return [mart for mart in MONTHLY + QUARTERLY if mart in held]


def _require_settled(ws: Workspace, period: str) -> None:
    """Refuse to freeze a quarter whose figures may still move, saying when it settles."""
    con = connect_read_only(ws)
    try:
        found = con.execute(
            "select is_settled, settles_on, complaints, complaints_open, last_open_deadline, as_of_date, "
            f"settlement_rule_version from {model_sql(ws, 'reference', 'ref_quarter_settlement')} "
            "where period_quarter = ?",
            [period],
        ).fetchone()
    finally:
        con.close()
    if found is None or found[0]:
        return
    _, settles_on, complaints, still_open, last_deadline, as_of, rule = found
    waiting = (
        f"{still_open} of its {complaints} complaints are open (the last deadline {last_deadline})"
        if still_open
        else "the complainants' callback surveys are still due"
    )
    raise FrozenPeriodError(
        f"{period} has not settled: the data run to {as_of} and {waiting}; it settles by {settles_on} "
        f"at the latest (settlement rule {rule}, seeds/settlement_rules.csv). Freeze it once a build "
        "holds data to that day."
    )


def _manifest(path: Path) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return json.loads(con.execute("select manifest from freeze_manifest").fetchone()[0])
    finally:
        con.close()
