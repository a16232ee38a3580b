"""Reconciliation: every source row is loaded or quarantined, and the load log says so truly.

Per extract and load: rows read, loaded and quarantined as the load log records them, the
rows actually found in the lake and in quarantine for that load id, and the quarantine
reasons grouped by kind. A load fails when read ≠ loaded + quarantined, or when the files
hold a different number of rows than the log claims.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from kefu.contracts import contracts
from kefu.workspace import Workspace


@dataclass
class Reconciliation:
    loads: list[dict]
    reasons: list[tuple[str, str, int]]

    @property
    def failures(self) -> list[dict]:
        return [r for r in self.loads if not r["ok"]]

    def describe(self) -> str:
        lines = [f"{'extract':<18}{'loads':>6}{'read':>12}{'loaded':>12}{'quarantined':>13}  status"]
        by_entity: dict[str, list[dict]] = {}
        for r in self.loads:
            by_entity.setdefault(r["entity"], []).append(r)
        for entity, rows in sorted(by_entity.items()):
            bad = [r for r in rows if not r["ok"]]
            lines.append(
                f"{entity:<18}{len(rows):>6}{sum(r['rows_read'] for r in rows):>12,}"
                f"{sum(r['rows_loaded'] for r in rows):>12,}{sum(r['rows_quarantined'] for r in rows):>13,}"
                f"  {'ok' if not bad else f'{len(bad)} load(s) do not reconcile'}"
            )
        for entity, kind, n in self.reasons:
            lines.append(f"  quarantined {entity}: {n:,} × {kind}")
        for r in self.failures:
            lines.append(
                f"  FAILED {r['entity']} load {r['load_id']} ({r['source_file']}): read {r['rows_read']}, "
                f"loaded {r['rows_loaded']} (lake holds {r['rows_in_lake']}), quarantined "
                f"{r['rows_quarantined']} (quarantine holds {r['rows_in_quarantine']})"
            )
        return "\n".join(lines)


# the kind of a quarantine reason: without its file/row prefix and quoted values
REASON_KIND = "regexp_replace(regexp_replace(reason, '^.*, row [0-9]+: ', ''), '''[^'']*''', '…', 'g')"


def quarantined_summary(files: list[str], shown: int = 3) -> list[str]:
    """What a load's quarantine files hold, for the person who ran it: the count of each kind
    of reason, then the first few reasons whole (file, row, column)."""
    if not files:
        return []
    with duckdb.connect() as con:
        kinds = con.execute(
            f"select {REASON_KIND} as kind, count(*) from read_parquet(?) group by kind order by count(*) desc, kind",
            [files],
        ).fetchall()
        first = con.execute(
            "select reason from read_parquet(?) order by _load_id, _source_row limit ?", [files, shown]
        ).fetchall()
    return [f"quarantined {n:,} × {kind}" for kind, n in kinds] + [f"  e.g. {reason}" for (reason,) in first]


def reconcile(ws: Workspace) -> Reconciliation:
    con = duckdb.connect()
    loads, reasons = [], []
    try:
        for entity in sorted(contracts()):
            log_files = list((ws.loads / entity).glob("*.parquet"))
            if not log_files:
                continue
            raw = f"read_parquet('{ws.raw / entity}/*.parquet', union_by_name = true)"
            quarantine_files = list((ws.quarantine / entity).glob("*.parquet"))
            quarantine = (
                f"read_parquet('{ws.quarantine / entity}/*.parquet')"
                if quarantine_files
                else "(select null::varchar as _load_id, null::varchar as reason where false)"
            )
            cursor = con.execute(f"""
                with lake as (select _load_id, count(*) as n from {raw} group by 1),
                     held as (select _load_id, count(*) as n from {quarantine} group by 1)
                select log.entity, log.load_id, log.source_file, log.rows_read, log.rows_loaded,
                       log.rows_quarantined, coalesce(lake.n, 0) as rows_in_lake,
                       coalesce(held.n, 0) as rows_in_quarantine
                from read_parquet('{ws.loads / entity}/*.parquet') log
                left join lake on lake._load_id = log.load_id
                left join held on held._load_id = log.load_id
                order by log.load_id""")
            names = [d[0] for d in cursor.description]
            for row in cursor.fetchall():
                r = dict(zip(names, row))
                r["ok"] = (
                    r["rows_read"] == r["rows_loaded"] + r["rows_quarantined"]
                    and r["rows_in_lake"] == r["rows_loaded"]
                    and r["rows_in_quarantine"] == r["rows_quarantined"]
                )
                loads.append(r)
            if quarantine_files:
                # the kind of problem: the reason without its file/row prefix and quoted values
                reasons += con.execute(f"""
                    select '{entity}', {REASON_KIND} as kind, count(*)
                    from {quarantine} group by kind order by count(*) desc""").fetchall()
    finally:
        con.close()
    return Reconciliation(loads, reasons)
