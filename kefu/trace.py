"""Record-level trace of a KPI value: its definition, numerator and denominator, and every
record behind them with the file, row and load it came from (`kefu trace`).

Each traceable mart names, in one SQL query over the core facts, its records: the unit a
record belongs to, the record's day, the mart's extra key columns, and what the record adds
to the numerator and to the denominator (1 or 0 for a count; points earned and points
possible for a rating). A unit's figure is then the records of the unit and of every unit
below it on the record's day (bridge_org_hierarchy), exactly as the mart rolls them up.
tests/test_trace.py proves, for every row of every traced mart, that the records add up to
the mart's numerator and denominator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from kefu.marts import connect_read_only, model_sql
from kefu.periods import period_months, quarter
from kefu.project import marts
from kefu.workspace import Workspace

LINEAGE = "load_id, source_file, source_row"


@dataclass(frozen=True)
class Records:
    """The records of one mart: SQL selecting record_type, record_id, org_code, day, the key
    columns, numerator_value, denominator_value and the lineage columns, with {fact}
    placeholders for the core models it reads."""

    sql: str
    keys: tuple[str, ...] = ()
    facts: tuple[str, ...] = field(default=())
    # the mart's figure: a rate (numerator ÷ denominator), or a column that is not: a weighted
    # score, a dimension's source-weighted rate
    value: str = "rate"


def _counted(
    record_type: str,
    record_id: str,
    fact: str,
    day: str,
    numerator: str,
    denominator: str,
    keys: dict[str, str] | None = None,
    where: str = "true",
) -> str:
    key_columns = "".join(f", {expr} as {name}" for name, expr in (keys or {}).items())
    return (
        f"select '{record_type}' as record_type, {record_id} as record_id, org_code, {day} as day{key_columns}, "
        f"case when {numerator} then 1 else 0 end as numerator_value, "
        f"case when {denominator} then 1 else 0 end as denominator_value, {LINEAGE} from {{{fact}}} where {where}"
    )


def _rated(keys: dict[str, str] | None = None) -> str:
    key_columns = "".join(f", {expr} as {name}" for name, expr in (keys or {}).items())
    return (
        f"select 'rating: ' || rating_source as record_type, rated_id || ' / ' || item_code as record_id, org_code, "
        f"rated_date as day{key_columns}, points as numerator_value, max_points as denominator_value, {LINEAGE} "
        f"from {{fct_service_ratings}}"
    )


def _records(spec: dict) -> Records:
    """A mart's ``config.meta.trace``: its ``keys``, its ``value`` (rate, score or weighted_rate), and its
    ``records``, each a counted record (``record``, ``id``, ``from`` fact, ``day``, conditions
    for ``numerator`` and ``denominator``, optional ``where`` and key expressions), the
    ``ratings`` behind a score (with key expressions), or plain ``sql`` over its ``facts``."""
    parts, facts = [], []
    for r in spec["records"]:
        if "sql" in r:
            parts.append(r["sql"])
            facts += r["facts"]
        elif "ratings" in r:
            parts.append(_rated(r["ratings"]))
            facts.append("fct_service_ratings")
        else:
            parts.append(
                _counted(
                    r["record"],
                    r["id"],
                    r["from"],
                    r["day"],
                    r["numerator"],
                    r["denominator"],
                    r.get("keys"),
                    r.get("where", "true"),
                )
            )
            facts.append(r["from"])
    return Records(
        " union all ".join(parts),
        keys=tuple(spec.get("keys", ())),
        facts=tuple(dict.fromkeys(facts)),
        value=spec.get("value", "rate"),
    )


def traceable() -> dict[str, Records]:
    """Every mart whose .yml says how to find its records (config.meta.trace.records)."""
    return {name: _records(mart.trace) for name, mart in marts().items() if "records" in mart.trace}


def assessment_mart() -> tuple[str, list[dict]]:
    """The mart that assesses other KPIs (config.meta.trace.assessed), and what it judges:
    each KPI's mart, keys, and the assessment's columns its numerator and denominator equal."""
    [(name, assessed)] = [(name, m.trace["assessed"]) for name, m in marts().items() if "assessed" in m.trace]
    return name, assessed


@dataclass
class Trace:
    mart: str
    definition: dict
    org_code: str
    org_name: str
    period: str
    keys: dict[str, str]
    numerator: float
    denominator: float
    rate: float | None
    records: pd.DataFrame
    value: str = "rate"
    # the same figure's numerator and denominator in the published snapshot, when they differ
    # from the warehouse's (a build that was not published: refused by the freeze guard, or failed)
    published: tuple[float, float] | None = None

    def describe(self, limit: int = 20) -> str:
        d = self.definition
        counted_num = self.records.numerator_value.sum()
        counted_den = self.records.denominator_value.sum()
        adds_up = (counted_num, counted_den) == (self.numerator, self.denominator)
        keys = "".join(f" {k}={v}" for k, v in self.keys.items())
        lines = [
            f"{d.get('name_zh', self.mart)} {d.get('name_en', '')} — {self.org_name} ({self.org_code}), "
            f"{self.period}{keys}",
            self._value_line(),
            f"  formula      {d.get('formula', '')}",
            f"  numerator    {d.get('numerator', '')}",
            f"  denominator  {d.get('denominator', '')}",
            f"  grain        {d.get('grain', '')}",
            f"  source       {d.get('source', '')}; owner {d.get('owner', '')}",
            f"  records      {len(self.records):,}: {counted_num:,g} to the numerator, {counted_den:,g} to the "
            f"denominator ({'they add up' if adds_up else 'THEY DO NOT ADD UP'})",
        ]
        if self.value == "weighted_rate":  # what each source adds, for the weights to apply to
            by_source = self.records.groupby("record_type")[["numerator_value", "denominator_value"]].sum()
            lines.insert(
                3,
                "  by source    "
                + "; ".join(
                    f"{kind.removeprefix('rating: ')} {n:,g} of {m:,g}" for kind, (n, m) in by_source.iterrows()
                ),
            )
        if self.published is not None:
            num, den = self.published
            lines.insert(
                2,
                f"  published    {num:,g} ÷ {den:,g}: BI readers see this. The warehouse holds a build "
                "that was not published (refused by the freeze guard, or failed): `kefu diff` shows "
                "what it would change",
            )
        shown = self.records.head(limit)
        lines += ["    " + line for line in shown.to_string(index=False).splitlines()]
        if len(self.records) > limit:
            lines.append(f"    … {len(self.records) - limit:,} more (--out FILE.csv|.xlsx writes them all)")
        return "\n".join(lines)

    def _value_line(self) -> str:
        if self.value == "rate":
            return f"  value        {_fmt(self.rate)} = {self.numerator:,g} ÷ {self.denominator:,g}"
        if self.value == "score":
            return (
                f"  value        score {_fmt_score(self.rate)} (weighted by dimension); points {self.numerator:,g} of "
                f"{self.denominator:,g}"
            )
        pooled = self.numerator / self.denominator if self.denominator else None
        return (
            f"  value        {_fmt(self.rate)} (each source by its weight, sq_source_weights); pooled: "
            f"{self.numerator:,g} of {self.denominator:,g} points = {_fmt(pooled)}"
        )

    def write(self, path: Path) -> None:
        """The records as an audit working paper, with a summary sheet in XLSX."""
        summary = pd.DataFrame(
            {
                "item": ["KPI", "unit", "period", *self.keys, "value", "numerator", "denominator", "formula", "source"],
                "value": [
                    self.definition.get("name_zh", self.mart),
                    self.org_code,
                    self.period,
                    *self.keys.values(),
                    self.rate,
                    self.numerator,
                    self.denominator,
                    self.definition.get("formula"),
                    self.definition.get("source"),
                ],
            }
        )
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
    """Each KPI mart's definition (config.meta.kpi in its .yml): one text for dbt docs,
    Dagster and the trace."""
    return {name: mart.kpi for name, mart in marts().items()}


def resolve_kpi(name: str) -> str:
    """A mart name, its short form (complaint_rate) or its Chinese or English name."""
    defs = definitions()
    traced = [*traceable(), assessment_mart()[0]]
    for mart in traced:
        d = defs.get(mart, {})
        if name in (mart, mart.removeprefix("kpi_"), d.get("name_zh"), d.get("name_en")):
            return mart
    for mart, spec in marts().items():  # a mart whose .yml says why it is not traced
        d = defs.get(mart, {})
        if name in (mart, mart.removeprefix("kpi_"), d.get("name_zh"), d.get("name_en")) and "not_traced" in spec.trace:
            raise KeyError(f"{mart} is not traced: {spec.trace['not_traced']}")
    names = ", ".join(f"{m.removeprefix('kpi_')} ({defs.get(m, {}).get('name_zh', '')})" for m in traced)
    raise KeyError(f"no traceable KPI {name!r}; traceable: {names}")


def trace(ws: Workspace, kpi: str, org_code: str, period: str, keys: dict[str, str] | None = None) -> Trace:
    """A rate over a month, or over a quarter or year (the months' numerators and
    denominators summed, never their rates averaged); a score over a month."""
    mart = resolve_kpi(kpi)
    if mart == assessment_mart()[0]:
        raise ValueError(f"{mart} is traced with trace_assessment (kefu trace picks it by name)")
    spec = traceable()[mart]
    keys = keys or {}
    missing = [k for k in spec.keys if k not in keys]
    unknown = [k for k in keys if k not in spec.keys]
    if missing or unknown:
        raise ValueError(
            f"{mart} has one figure per {', '.join(spec.keys) or 'unit and month'}: "
            + (f"say which with --key {missing[0]}=… " if missing else "")
            + (f"({', '.join(unknown)} is not one of its keys)" if unknown else "")
        )
    start, end = period_months(period)
    if spec.value != "rate" and (end.year * 12 + end.month) - (start.year * 12 + start.month) > 1:
        raise ValueError(f"{mart} is a weighted score per month: a longer period is not the sum of its months")
    params = {"org": org_code, "start": start, "end": end, **{f"key_{k}": v for k, v in keys.items()}}
    key_filter = "".join(f" and {k} = $key_{k}" for k in spec.keys)
    con = connect_read_only(ws)
    try:
        months, org_name, numerator, denominator, value = con.execute(
            f"""
            select count(*), max(org_name), sum(numerator), sum(denominator), max({spec.value})
            from {model_sql(ws, "marts", mart)}
            where org_code = $org and month_start >= $start and month_start < $end{key_filter}""",
            params,
        ).fetchone()
        if not months:
            raise LookupError(
                f"{mart} has no row for unit {org_code} in {period}" + "".join(f" {k}={v}" for k, v in keys.items())
            )
        records = con.execute(
            f"""
            select r.record_type, r.record_id, r.org_code, r.day, r.numerator_value, r.denominator_value,
                   r.source_file, r.source_row, r.load_id
            from ({_records_sql(ws, mart)}) r
            inner join {model_sql(ws, "core", "bridge_org_hierarchy")} h
                on h.org_code = r.org_code and r.day between h.valid_from and h.valid_to
            where h.ancestor_org_code = $org and r.day >= $start and r.day < $end
              and (r.numerator_value <> 0 or r.denominator_value <> 0)
              {key_filter.replace(" and ", " and r.")}
            order by r.record_type, r.source_file, r.source_row""",
            params,
        ).df()
    finally:
        con.close()
    rate = value if spec.value != "rate" else (numerator / denominator if denominator else None)
    published = _published_figure(ws, mart, key_filter, params)
    if published == (_number(numerator), _number(denominator)):
        published = None
    return Trace(
        mart,
        definitions().get(mart, {}),
        org_code,
        org_name,
        period,
        keys,
        _number(numerator),
        _number(denominator),
        rate,
        records,
        spec.value,
        published,
    )


def _published_figure(ws: Workspace, mart: str, key_filter: str, params: dict) -> tuple[float, float] | None:
    """The figure as BI readers see it: summed from the published snapshot's rows."""
    if not ws.published_file.exists():
        return None
    with duckdb.connect(str(ws.published_file), read_only=True) as con:
        found = con.execute(
            f"""
            select count(*), sum(numerator), sum(denominator) from {mart}
            where org_code = $org and month_start >= $start and month_start < $end{key_filter}""",
            params,
        ).fetchone()
    return (_number(found[1] or 0), _number(found[2] or 0)) if found[0] else None


@dataclass
class AssessmentTrace:
    """考核结果 of a unit and quarter: the outcome, the rule version and thresholds that
    produced it, and the records behind each of the three KPIs it judged."""

    assessment: dict
    rules: dict
    parts: list[Trace]

    @property
    def adds_up(self) -> bool:
        """Each KPI's figure equals the assessment's columns for it (config.meta.trace.assessed),
        and its records add up to the figure."""
        return all(
            (part.numerator, part.denominator) == (self.assessment[a["numerator"]], self.assessment[a["denominator"]])
            and (part.records.numerator_value.sum(), part.records.denominator_value.sum())
            == (part.numerator, part.denominator)
            for part, a in zip(self.parts, assessment_mart()[1])
        )

    def describe(self, limit: int = 10) -> str:
        a, r = self.assessment, self.rules
        mart = assessment_mart()[0]
        d = definitions().get(mart, {})
        lines = [
            f"{d.get('name_zh', mart)} {d.get('name_en', '')} — {a['org_name']} ({a['org_code']}), "
            f"{a['period_quarter']}",
            f"  outcome      {a['assessment']}; bonus float {_points(a['bonus_float_pct'])}; promotion "
            f"{a['promotion_flag'] or '—'}; "
            f"training {a['training_topic'] or 'none'} (top class {a['top_complaint_class']})",
            f"  rule         {a['rule_version']} (seeds/assessment_rules.csv, in force {_day(r['effective_from'])} … "
            f"{_day(r['effective_to'])}): target rate {r['complaint_rate_target']}, up when rate ≤ target − "
            f"{r['rate_margin_up']}, on time ≥ {r['timeliness_up_min']}, satisfied ≥ {r['satisfaction_up_min']}; "
            f"down ({r['down_when']}) when rate ≥ target + {r['rate_margin_down']}, on time < "
            f"{r['timeliness_down_below']}, satisfied < {r['satisfaction_down_below']}",
            f"  evidence     small samples judged by '{r['small_sample_rule']}' (docs/assessment.md); minimum "
            f"{r['min_policies']} policies, {r['min_complaints']} complaints, {r['min_respondents']} respondents",
            *(
                f"    {rate:<18} {_share(a[rate])} (95% {kind} interval {_share(a[prefix + '_low'])} … "
                f"{_share(a[prefix + '_high'])}), judged on: {a[prefix + '_basis']}"
                for rate, prefix, kind in (
                    ("complaint_rate", "complaint_rate", "Poisson score"),  # complaints per policy
                    ("timeliness_rate", "timeliness", "Wilson"),
                    ("satisfaction_rate", "satisfaction", "Wilson"),
                )
            ),
            f"  source       {d.get('source', '')}",
            f"  the three KPIs of the quarter ({'they add up' if self.adds_up else 'THEY DO NOT ADD UP'}):",
        ]
        for part in self.parts:
            lines += ["  " + line for line in part.describe(limit).splitlines()]
        return "\n".join(lines)

    def write(self, path: Path) -> None:
        """One working paper: the assessment and its rule, then every record with its KPI."""
        summary = pd.DataFrame(
            {
                "item": [*self.assessment, *(f"rule.{k}" for k in self.rules)],
                "value": [*self.assessment.values(), *self.rules.values()],
            }
        )
        records = pd.concat(
            [part.records.assign(kpi=part.definition.get("name_zh", part.mart)) for part in self.parts],
            ignore_index=True,
        )
        write_records(records, path, summary)


def trace_assessment(ws: Workspace, org_code: str, period: str) -> AssessmentTrace:
    year, number = quarter(period)
    mart, assessed = assessment_mart()
    con = connect_read_only(ws)
    try:
        found = con.execute(
            f"select * from {model_sql(ws, 'marts', mart)} where org_code = $org "
            f"and year_number = $year and quarter_number = $q",
            {"org": org_code, "year": year, "q": number},
        ).df()
        if found.empty:
            raise LookupError(f"{mart} has no row for unit {org_code} in {period}")
        assessment = found.iloc[0].to_dict()
        rules = (
            con.execute(
                f"select * from {model_sql(ws, 'rules', 'assessment_rules')} where rule_version = $v",
                {"v": assessment["rule_version"]},
            )
            .df()
            .iloc[0]
            .to_dict()
        )
    finally:
        con.close()
    parts = [trace(ws, a["mart"], org_code, period, a.get("keys")) for a in assessed]
    return AssessmentTrace(assessment, rules, parts)


def traced_totals(ws: Workspace, mart: str) -> pd.DataFrame:
    """Numerator and denominator of every unit × month (× keys) recounted from the records,
    beside the mart's own: the proof that a trace adds up, for all rows at once."""
    spec = traceable()[mart]
    keys = "".join(f", r.{k}" for k in spec.keys)
    join_keys = "".join(f" and c.{k} = m.{k}" for k in spec.keys)
    con = connect_read_only(ws)
    try:
        return con.execute(f"""
            with counted as (
                select h.ancestor_org_code as org_code, date_trunc('month', r.day) as month_start{keys},
                       sum(r.numerator_value) as traced_numerator, sum(r.denominator_value) as traced_denominator
                from ({_records_sql(ws, mart)}) r
                inner join {model_sql(ws, "core", "bridge_org_hierarchy")} h
                    on h.org_code = r.org_code and r.day between h.valid_from and h.valid_to
                group by all
            )
            select m.org_code, m.month_start{keys.replace("r.", "m.")}, m.numerator, m.denominator,
                   coalesce(c.traced_numerator, 0) as traced_numerator,
                   coalesce(c.traced_denominator, 0) as traced_denominator
            from {model_sql(ws, "marts", mart)} m
            left join counted c on c.org_code = m.org_code and c.month_start = m.month_start{join_keys}""").df()
    finally:
        con.close()


def _records_sql(ws: Workspace, mart: str) -> str:
    spec = traceable()[mart]
    return spec.sql.format(**{fact: model_sql(ws, "core", fact) for fact in spec.facts})


def _number(value) -> float:
    return int(value) if float(value).is_integer() else float(value)


def _fmt(rate) -> str:
    return "n/a (no denominator)" if rate is None or pd.isna(rate) else f"{rate:.4%}"


def _fmt_score(score) -> str:
    return "n/a (a weighted dimension has no rating)" if score is None or pd.isna(score) else f"{score:.2f}"


def _inert(value):
    """A cell starting with = + - @ (or a tab/CR) would run as a formula in a spreadsheet."""
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _share(value) -> str:
    """A rate as a percentage, or '—' where there is none."""
    return "—" if value is None or value != value else f"{100 * value:.2f}%"


def _points(value) -> str:
    """Percentage points of a bonus (+10%, -5%, 0%), or '—' for a quarter not assessed."""
    return "—" if value is None or value != value else f"{value:+g}%".replace("+0%", "0%")


def _day(value) -> str:
    """A rule's effective date as YYYY-MM-DD; an open end as 'open'."""
    return "open" if pd.isna(value) else str(value)[:10]
