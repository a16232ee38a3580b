"""Record-level trace of a KPI value: its definition, numerator and denominator, and every
record behind them with the file, row and load it came from (`kefu trace`).

Each traceable KPI names, in one SQL query over the core facts, the records that count in
its numerator and its denominator at the unit they belong to; a unit's figure is then the
records of the unit and every unit below it (bridge_org_hierarchy), exactly as the mart
rolls them up. tests/test_trace.py proves, for every row of every traced mart, that the
records add up to the mart's numerator and denominator.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from kefu.marts import connect_read_only, model_sql
from kefu.workspace import DBT_PROJECT_DIR, Workspace

LINEAGE = "load_id, source_file, source_row"

# per KPI mart: its records (record_type, record_id, org_code, month_start, in_numerator,
# in_denominator, key, lineage); "key" is the mart's extra grain column, if any
RECORDS = {
    "kpi_complaint_rate": f"""
        select 'complaint' as record_type, complaint_id as record_id, org_code, received_month as month_start,
               true as in_numerator, false as in_denominator, cast(null as varchar) as key, {LINEAGE}
        from {{fct_complaints}}
        union all
        select 'policy', policy_no, org_code, underwritten_month, false, true, null, {LINEAGE}
        from {{fct_policies}}""",
    "kpi_complaint_timeliness": f"""
        select 'complaint' as record_type, complaint_id as record_id, org_code, received_month as month_start,
               is_closed_on_time as in_numerator, true as in_denominator, cast(null as varchar) as key, {LINEAGE}
        from {{fct_complaints}}""",
    "kpi_satisfaction": f"""
        select 'survey_response' as record_type, response_id as record_id, org_code, surveyed_month as month_start,
               is_satisfied as in_numerator, is_reached as in_denominator, survey_type as key, {LINEAGE}
        from {{fct_survey_responses}}
        where is_reached""",
}
KEY_COLUMN = {"kpi_satisfaction": "survey_type"}


@dataclass
class Trace:
    mart: str
    definition: dict
    org_code: str
    org_name: str
    period_month: str
    key: str | None
    numerator: int
    denominator: int
    rate: float | None
    records: pd.DataFrame

    def describe(self, limit: int = 20) -> str:
        d = self.definition
        counted_num = int(self.records.in_numerator.sum())
        counted_den = int(self.records.in_denominator.sum())
        lines = [
            f"{d.get('name_zh', self.mart)} {d.get('name_en', '')} — {self.org_name} ({self.org_code}), "
            f"{self.period_month}{' ' + self.key if self.key else ''}",
            f"  value        {_fmt(self.rate)} = {self.numerator:,} ÷ {self.denominator:,}",
            f"  formula      {d.get('formula', '')}",
            f"  numerator    {d.get('numerator', '')}",
            f"  denominator  {d.get('denominator', '')}",
            f"  grain        {d.get('grain', '')}",
            f"  source       {d.get('source', '')}; owner {d.get('owner', '')}",
            f"  records      {len(self.records):,}: {counted_num:,} in the numerator, {counted_den:,} in the "
            f"denominator ({'they add up' if (counted_num, counted_den) == (self.numerator, self.denominator) else 'THEY DO NOT ADD UP'})",
        ]
        shown = self.records.head(limit)
        lines += ["    " + line for line in shown.to_string(index=False).splitlines()]
        if len(self.records) > limit:
            lines.append(f"    … {len(self.records) - limit:,} more (--out FILE.csv|.xlsx writes them all)")
        return "\n".join(lines)

    def write(self, path: Path) -> None:
        """The records as an audit working paper, with a summary sheet in XLSX."""
        summary = pd.DataFrame({"item": ["KPI", "unit", "period", "value", "numerator", "denominator",
                                         "formula", "source"],
                                "value": [self.definition.get("name_zh", self.mart), self.org_code,
                                          self.period_month, self.rate, self.numerator, self.denominator,
                                          self.definition.get("formula"), self.definition.get("source")]})
        write_records(self.records, path, summary)


def write_records(records: pd.DataFrame, path: Path, summary: pd.DataFrame | None = None) -> None:
    """CSV (UTF-8 with BOM, so Excel reads the Chinese) or XLSX (+ a summary sheet). Text
    cells that a spreadsheet would run as a formula are escaped."""
    records = records.assign(**{c: records[c].map(_inert) for c in records.columns if records[c].dtype == object})
    if path.suffix.lower() == ".xlsx":
        with pd.ExcelWriter(path) as book:
            if summary is not None:
                summary.to_excel(book, sheet_name="summary", index=False)
            records.to_excel(book, sheet_name="records", index=False)
    else:
        records.to_csv(path, index=False, encoding="utf-8-sig")


def definitions() -> dict[str, dict]:
    """Each KPI mart's definition (meta.kpi in the marts' YAML): one text for dbt docs,
    Dagster and the trace."""
    doc = yaml.safe_load((DBT_PROJECT_DIR / "models" / "marts" / "_marts.yml").read_text(encoding="utf-8"))
    return {m["name"]: m.get("config", {}).get("meta", {}).get("kpi", {}) for m in doc["models"]}


def resolve_kpi(name: str) -> str:
    """A mart name, its short form (complaint_rate) or its Chinese or English name."""
    defs = definitions()
    for mart in RECORDS:
        d = defs.get(mart, {})
        if name in (mart, mart.removeprefix("kpi_"), d.get("name_zh"), d.get("name_en")):
            return mart
    names = ", ".join(f"{m.removeprefix('kpi_')} ({defs.get(m, {}).get('name_zh', '')})" for m in RECORDS)
    raise KeyError(f"no traceable KPI {name!r}; traceable: {names}")


def trace(ws: Workspace, kpi: str, org_code: str, period_month: str, key: str | None = None) -> Trace:
    mart = resolve_kpi(kpi)
    key_column = KEY_COLUMN.get(mart)
    if key_column and key is None:
        raise ValueError(f"{mart} has one figure per {key_column}: say which (--{key_column.replace('_', '-')})")
    month = dt.date.fromisoformat(period_month + "-01")
    con = connect_read_only(ws)
    try:
        key_filter = f" and {key_column} = $key" if key_column else ""
        params = {"org": org_code, "month": month, **({"key": key} if key_column else {})}
        row = con.execute(f"select org_name, numerator, denominator, rate from {model_sql(ws, 'marts', mart)} "
                          f"where org_code = $org and month_start = $month{key_filter}", params).fetchone()
        if row is None:
            raise LookupError(f"{mart} has no row for unit {org_code} in {period_month}"
                              + (f" ({key_column} {key})" if key_column else ""))
        records = con.execute(f"""
            select r.record_type, r.record_id, r.org_code, r.in_numerator, r.in_denominator,
                   r.source_file, r.source_row, r.load_id
            from ({_records_sql(ws, mart)}) r
            inner join {model_sql(ws, 'core', 'bridge_org_hierarchy')} h on h.org_code = r.org_code
            where h.ancestor_org_code = $org and r.month_start = $month
              and (r.in_numerator or r.in_denominator){' and r.key = $key' if key_column else ''}
            order by r.record_type, r.source_file, r.source_row""", params).df()
    finally:
        con.close()
    org_name, numerator, denominator, rate = row
    return Trace(mart, definitions().get(mart, {}), org_code, org_name, period_month, key, int(numerator),
                 int(denominator), rate, records)


def traced_totals(ws: Workspace, mart: str) -> pd.DataFrame:
    """Numerator and denominator of every unit × month (× key) recounted from the records,
    beside the mart's own: the proof that a trace adds up, for all rows at once."""
    con = connect_read_only(ws)
    key = "r.key" if mart in KEY_COLUMN else "cast(null as varchar)"
    mart_key = KEY_COLUMN.get(mart, "cast(null as varchar)")
    try:
        return con.execute(f"""
            with counted as (
                select h.ancestor_org_code as org_code, r.month_start, {key} as key,
                       sum(case when r.in_numerator then 1 else 0 end) as traced_numerator,
                       sum(case when r.in_denominator then 1 else 0 end) as traced_denominator
                from ({_records_sql(ws, mart)}) r
                inner join {model_sql(ws, 'core', 'bridge_org_hierarchy')} h on h.org_code = r.org_code
                group by all
            )
            select m.org_code, m.month_start, {mart_key} as key, m.numerator, m.denominator,
                   coalesce(c.traced_numerator, 0) as traced_numerator,
                   coalesce(c.traced_denominator, 0) as traced_denominator
            from {model_sql(ws, 'marts', mart)} m
            left join counted c on c.org_code = m.org_code and c.month_start = m.month_start
                and c.key is not distinct from {mart_key}""").df()
    finally:
        con.close()


def _records_sql(ws: Workspace, mart: str) -> str:
    facts = ("fct_complaints", "fct_policies", "fct_survey_responses")
    return RECORDS[mart].format(**{f: model_sql(ws, "core", f) for f in facts})


def _fmt(rate) -> str:
    return "n/a (no denominator)" if rate is None or pd.isna(rate) else f"{rate:.4%}"


def _inert(value):
    """A cell starting with = + - @ (or a tab/CR) would run as a formula in a spreadsheet."""
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
