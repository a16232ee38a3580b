"""A reproducible random sample of complaints for an inspector's completeness and
timeliness audit (003 §7 监督与管理: 抽查投诉记录的完整性、处理的及时性), `kefu sample`.

The draw orders complaints by md5(complaint id, seed), so the same unit, period, size and seed give
the same complaints on any machine and any engine, and a complaint added later does not
reshuffle the others.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from kefu.contracts import contract
from kefu.errors import UserError
from kefu.marts import connect_read_only, model_sql
from kefu.periods import period_months
from kefu.workspace import Workspace

STAGES = [
    "contacted_at",
    "assigned_at",
    "investigating_at",
    "reported_at",
    "plan_approved_at",
    "feedback_at",
    "closed_at",
]


def sample_complaints(ws: Workspace, org_code: str, period: str, n: int = 30, seed: int = 1) -> pd.DataFrame:
    start, end = period_months(period)
    con = connect_read_only(ws)
    try:
        units = con.execute(
            f"select org_code from {model_sql(ws, 'core', 'dim_org')} order by org_level, org_code"
        ).fetchall()
        if (org_code,) not in units:
            raise UserError(
                f"no unit {org_code!r} in the org tree (units: "
                f"{', '.join(u for (u,) in units[:5])}{', …' if len(units) > 5 else ''})"
            )
        return con.execute(
            f"""
            select c.complaint_id, c.org_code, c.received_at, c.channel_code, c.complaint_class, c.product_line,
                   {", ".join("c." + s for s in STAGES)},
                   c.deadline_calendar, c.deadline_days, c.deadline_date, c.is_closed_on_time,
                   c.contact_deadline_date, c.is_contacted_on_time, c.reopen_count,
                   c.regulator_tier, c.regulator_deadline_date, c.is_regulator_on_time, c.is_handled_on_time,
                   -- stages a closed complaint passed without a record: what the inspector asks about
                   case when c.closed_at is null then null else
                       concat_ws(', ', {
                ", ".join(f"case when c.{s} is null then '{s.removesuffix('_at')}' end" for s in STAGES[:-1])
            }) end as missing_stages,
                   c.source_file, c.source_row, c.load_id
            from {model_sql(ws, "core", "fct_complaints")} c
            inner join {model_sql(ws, "core", "bridge_org_hierarchy")} h
                on h.org_code = c.org_code and c.received_date between h.valid_from and h.valid_to
            where h.ancestor_org_code = $org and c.received_month >= $start and c.received_month < $end
            order by md5(c.complaint_id || '#' || $seed), c.complaint_id
            limit $n""",
            {"org": org_code, "start": start, "end": end, "seed": str(seed), "n": n},
        ).df()
    finally:
        con.close()


# the complainant's personal data, as the extract's contract marks it
PII_COLUMNS = [c.name for c in contract("complaints").columns if c.pii]


def reveal_complainants(ws: Workspace, drawn: pd.DataFrame, reason: str) -> pd.DataFrame:
    """The sample with each complainant's name, ID number and phone in clear, looked up in
    the vault through the tokens the lake keeps (the complaint's latest load), and logged."""
    from kefu.vault import Vault

    ids = drawn.complaint_id.tolist()
    tokens = duckdb.execute(
        f"""
        select complaint_id, {", ".join(PII_COLUMNS)}
        from read_parquet(?, union_by_name = true)
        where complaint_id in (select unnest(?))
        qualify row_number() over (partition by complaint_id order by _load_id desc, _source_row desc) = 1""",
        [str(ws.raw / "complaints" / "*.parquet"), ids],
    ).df()
    clear = Vault(ws).reveal(sorted({t for c in PII_COLUMNS for t in tokens[c].dropna()}), ids, reason)
    for column in PII_COLUMNS:
        tokens[column] = tokens[column].map(clear)
    return drawn.merge(tokens, on="complaint_id", how="left")
