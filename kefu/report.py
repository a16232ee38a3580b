"""The quarterly scorecard (`kefu report`): the pack an assessment committee reads, from the
published snapshot (what BI readers see, frozen quarters included). For the unit asked and
each unit directly below it: the three complaint KPIs against their thresholds, peers of the
same level and the same quarter a year before; stage timeliness; hot spots; the
service-quality score and grade with its dimensions; the decision (bonus, promotion,
training) with its rule version; and for every figure the `kefu trace` command that
reproduces it. Charts are matplotlib SVG inline, their text left to the browser's fonts
(Chinese through Debian's fonts-noto-cjk), so the HTML needs nothing from the network.

Every figure cell carries data-mart, data-org, data-period, data-column and data-value:
tests/test_report.py recomputes each from the marts."""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from kefu.errors import UserError
from kefu.periods import period_months
from kefu.workspace import SEEDS_DIR, Workspace


@dataclass(frozen=True)
class Kpi:
    """One of the three complaint KPIs of the assessment (kpi_assessment_quarterly's columns)."""

    column: str  # the rate; its interval is <prefix>_low/_high, its basis <prefix>_basis
    prefix: str
    name: str
    trace: str  # kefu trace's KPI
    lower_is_better: bool
    options: str = ""  # and its options


KPIS = [
    Kpi("complaint_rate", "complaint_rate", "投诉率", "complaint_rate", True),
    Kpi("timeliness_rate", "timeliness", "投诉处理及时率", "complaint_timeliness", False),
    Kpi("satisfaction_rate", "satisfaction", "客户满意度", "satisfaction", False, " --survey-type complaint_callback"),
]


STAGE_ORDER = ["contact", "assign", "investigate", "plan", "feedback", "close"]  # 003 §4's process


@dataclass(frozen=True)
class Figure:
    """One number in the report and where it comes from."""

    mart: str
    org: str
    period: str
    column: str
    value: float | str | None
    key: str = ""  # the mart's other key, e.g. stage=contact

    def cell(self, text: str) -> str:
        value = "" if self.value is None or (isinstance(self.value, float) and pd.isna(self.value)) else self.value
        return (
            f'<td class="figure" data-mart="{self.mart}" data-org="{self.org}" data-period="{self.period}" '
            f'data-column="{self.column}" data-key="{self.key}" data-value="{html.escape(str(value))}">'
            f"{html.escape(text)}</td>"
        )


def render_report(ws: Workspace, period: str, org: str | None = None) -> str:
    """The scorecard of a quarter (YYYY-Qn) as one self-contained HTML page."""
    if not re.fullmatch(r"\d{4}-Q[1-4]", period):
        raise UserError(f"--period {period!r}: the scorecard is quarterly, give YYYY-Qn (e.g. 2026-Q3)")
    if not ws.published_file.exists():
        raise UserError(f"no published snapshot in {ws.home}: run `kefu build` first")
    start, end = period_months(period)
    con = duckdb.connect(str(ws.published_file), read_only=True)
    try:
        assessed = con.execute("select * from kpi_assessment_quarterly").df()
        top = assessed[assessed.org_level == assessed.org_level.min()].org_code.iloc[0]
        org = org or top
        units = _units(con, org, end)
        quarter = assessed[assessed.period_quarter == period]
        if quarter.empty:
            raise UserError(f"--period {period}: the snapshot holds no assessment of that quarter")
        if org not in set(quarter.org_code):
            raise UserError(f"--org {org}: no unit of that code was assessed in {period}")
        monthly = {
            name: con.execute(
                f"select * from {name} where month_start >= $start and month_start < $end", {"start": start, "end": end}
            ).df()
            for name in (
                "kpi_complaint_stage_timeliness",
                "kpi_complaint_hotspots",
                "kpi_service_quality_score",
                "kpi_service_quality_dimensions",
            )
        }
    finally:
        con.close()
    rules = _rules(quarter[quarter.org_code == org].rule_version.iloc[0])
    year_before = f"{int(period[:4]) - 1}{period[4:]}"
    sections = [_unit_section(u, period, year_before, assessed, rules, monthly) for u in units.itertuples()]
    chart = _ranking_chart(quarter[quarter.org_code.isin(units.org_code[1:])], rules) if len(units) > 1 else ""
    name = units.org_name.iloc[0]
    return PAGE.format(
        title=html.escape(f"{name} {period} 客服质量考核报告 Service-quality scorecard"),
        heading=html.escape(f"{name} ({org}) — {period} 客服质量考核报告"),
        subtitle=html.escape(
            f"Published snapshot {ws.published_file} · rule version {quarter.rule_version.iloc[0]} · "
            f"units: {org} and the {len(units) - 1} directly below it"
        ),
        chart=chart,
        sections="\n".join(sections),
    )


def _rules(version: str) -> pd.Series | None:
    """The assessment rule version that judged the quarter (the snapshot names it; its
    thresholds are in the rule seed, where versions are kept side by side)."""
    rules = pd.read_csv(SEEDS_DIR / "assessment_rules.csv", dtype={"rule_version": str})
    found = rules[rules.rule_version == version]
    return found.iloc[0] if len(found) else None


def _units(con: duckdb.DuckDBPyConnection, org: str, end) -> pd.DataFrame:
    """The unit and the units directly below it, as the tree stood on the quarter's last day."""
    tree = con.execute(
        """select org_code, org_name, org_level, parent_org_code from ref_org_tree
           where $last between valid_from and valid_to""",
        {"last": end - pd.Timedelta(days=1)},
    ).df()
    me = tree[tree.org_code == org]
    if me.empty:
        raise UserError(f"--org {org}: no such unit in the org tree of the quarter (ref_org_tree)")
    children = tree[tree.parent_org_code == org].sort_values("org_code")
    return pd.concat([me, children], ignore_index=True)


def _unit_section(unit, period: str, year_before: str, assessed, rules, monthly: dict) -> str:
    org = unit.org_code
    row = assessed[(assessed.org_code == org) & (assessed.period_quarter == period)]
    if row.empty:
        return f"<section><h2>{html.escape(unit.org_name)} ({org})</h2><p>not assessed in {period}</p></section>"
    a = row.iloc[0]
    last = assessed[(assessed.org_code == org) & (assessed.period_quarter == year_before)]
    peers = assessed[(assessed.org_level == a.org_level) & (assessed.period_quarter == period)]
    parts = [f'<section><h2>{html.escape(unit.org_name)} ({org}) <span class="level">level {a.org_level}</span></h2>']
    parts.append(_kpi_table(a, last.iloc[0] if len(last) else None, peers, rules, period, year_before))
    parts.append(_decision(a, period))
    parts.append(_stages(monthly["kpi_complaint_stage_timeliness"], org, period))
    parts.append(_hotspots(monthly["kpi_complaint_hotspots"], org, period))
    parts.append(_quality(monthly["kpi_service_quality_score"], monthly["kpi_service_quality_dimensions"], org))
    parts.append("</section>")
    return "\n".join(parts)


def _pct(value, digits: int = 2) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.{digits}%}"


def _thresholds(kpi: Kpi, rules) -> str:
    """What the assessment rule in force judges the KPI against."""
    if rules is None:
        return "—"
    if kpi.column == "complaint_rate":
        target, up, down = (float(rules[c]) for c in ("complaint_rate_target", "rate_margin_up", "rate_margin_down"))
        return f"target {_pct(target)}: up ≤ {_pct(target - up)}, down ≥ {_pct(target + down)}"
    return f"up ≥ {_pct(rules[kpi.prefix + '_up_min'], 0)}, down < {_pct(rules[kpi.prefix + '_down_below'], 0)}"


def _kpi_table(a, last, peers, rules, period: str, year_before: str) -> str:
    rows = []
    for kpi in KPIS:
        ranked = peers[kpi.column].rank(ascending=kpi.lower_is_better, method="min")[peers.org_code == a.org_code]
        rank = (
            f"{int(ranked.iloc[0])} of {peers[kpi.column].notna().sum()}"
            if len(ranked) and pd.notna(ranked.iloc[0])
            else "—"
        )
        before = (
            Figure("kpi_assessment_quarterly", a.org_code, year_before, kpi.column, last[kpi.column]).cell(
                _pct(last[kpi.column], 3)
            )
            if last is not None
            else "<td>—</td>"
        )
        trace = f"kefu trace {kpi.trace} --org {a.org_code} --period {period}{kpi.options}"
        rows.append(
            f"<tr><th>{kpi.name}</th>"
            + Figure("kpi_assessment_quarterly", a.org_code, period, kpi.column, a[kpi.column]).cell(
                _pct(a[kpi.column], 3)
            )
            + f"<td>{_pct(a[kpi.prefix + '_low'], 3)} – {_pct(a[kpi.prefix + '_high'], 3)}</td>"
            + f"<td>{html.escape(_thresholds(kpi, rules))}</td>"
            + f"<td>{html.escape(str(a[kpi.prefix + '_basis']))}</td>"
            + f"<td>{rank}</td>{before}<td><code>{html.escape(trace)}</code></td></tr>"
        )
    return (
        "<h3>投诉考核指标 The three complaint KPIs</h3><table><tr><th></th><th>value</th><th>95% interval</th>"
        "<th>thresholds</th><th>judged on</th><th>rank among peers</th><th>a year before</th><th>reproduce</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _decision(a, period: str) -> str:
    fields = [
        ("assessment", "考核结果 assessment"),
        ("bonus_float_pct", "绩效奖金浮动 bonus float %"),
        ("promotion_flag", "晋升资格 promotion"),
        ("training_topic", "培训需求 training"),
        ("rule_version", "规则版本 rule version"),
    ]
    cells = "".join(
        f"<tr><th>{label}</th>"
        + Figure("kpi_assessment_quarterly", a.org_code, period, column, a[column]).cell(
            "—" if a[column] is None or (not isinstance(a[column], str) and pd.isna(a[column])) else str(a[column])
        )
        + "</tr>"
        for column, label in fields
    )
    trace = f"kefu trace assessment_quarterly --org {a.org_code} --period {period}"
    return f"<h3>决定 Decision</h3><table>{cells}</table><p>reproduce: <code>{html.escape(trace)}</code></p>"


def _stages(stages: pd.DataFrame, org: str, period: str) -> str:
    mine = stages[stages.org_code == org].groupby("stage")[["numerator", "denominator"]].sum()
    if mine.empty:
        return ""
    mine = mine.loc[sorted(mine.index, key=lambda s: (STAGE_ORDER.index(s) if s in STAGE_ORDER else 99, s))]
    rows = "".join(
        f"<tr><th>{html.escape(stage)}</th>"
        + Figure(
            "kpi_complaint_stage_timeliness",
            org,
            period,
            "rate",
            r.numerator / r.denominator if r.denominator else None,
            f"stage={stage}",
        ).cell(_pct(r.numerator / r.denominator if r.denominator else None))
        + f"<td>{int(r.numerator):,} of {int(r.denominator):,}</td>"
        + f"<td><code>kefu trace complaint_stage_timeliness --org {org} --period {period} --key stage={stage}</code></td>"
        "</tr>"
        for stage, r in mine.iterrows()
    )
    return (
        "<h3>投诉处理各环节及时率 Stage timeliness</h3><table><tr><th>stage</th><th>on time</th><th>stages</th>"
        f"<th>reproduce</th></tr>{rows}</table>"
    )


def _hotspots(hotspots: pd.DataFrame, org: str, period: str) -> str:
    mine = hotspots[(hotspots.org_code == org) & (hotspots.dimension_type == "reason")]
    top = mine.groupby(["dimension_value", "dimension_name_zh"]).complaints_received.sum()
    top = top[top > 0].sort_values(ascending=False, kind="stable").head(5)
    if top.empty:
        return "<h3>投诉热点 Hot spots</h3><p>no complaint this quarter</p>"
    rows = "".join(
        f"<tr><th>{html.escape(str(code))}</th><td>{html.escape(str(name))}</td>"
        + Figure("kpi_complaint_hotspots", org, period, "complaints_received", int(n), f"reason={code}").cell(f"{n:,}")
        + "</tr>"
        for (code, name), n in top.items()
    )
    return (
        "<h3>投诉热点 Hot spots: the quarter's top reasons</h3>"
        f"<table><tr><th>reason</th><th></th><th>complaints</th></tr>{rows}</table>"
    )


def _quality(scores: pd.DataFrame, dimensions: pd.DataFrame, org: str) -> str:
    mine = scores[scores.org_code == org].sort_values("month_start")
    if mine.empty:
        return ""
    rows = "".join(
        "<tr>"
        f"<th>{m.period_month}</th>"
        + Figure("kpi_service_quality_score", org, m.period_month, "score", m.score).cell(
            "—" if pd.isna(m.score) else f"{m.score:.2f}"
        )
        + f"<td>{m.grade or '—'}</td><td>{m.weight_version}</td>"
        + f"<td><code>kefu trace service_quality_score --org {org} --period {m.period_month}</code></td></tr>"
        for m in mine.itertuples()
    )
    last = mine.period_month.iloc[-1]
    dims = dimensions[(dimensions.org_code == org) & (dimensions.period_month == last)].sort_values("dimension_code")
    chart = _bar_chart(
        [d.dimension_code for d in dims.itertuples()],
        [0 if pd.isna(d.weighted_rate) else d.weighted_rate for d in dims.itertuples()],
        f"{last} 维度得分 dimension rates (source-weighted)",
        percent=True,
    )
    return (
        "<h3>服务质量综合得分 Service-quality score</h3><table><tr><th>month</th><th>score</th><th>grade</th>"
        f"<th>weights</th><th>reproduce</th></tr>{rows}</table>{chart}"
    )


def _ranking_chart(children: pd.DataFrame, rules: pd.Series | None) -> str:
    ordered = children.sort_values("complaint_rate")
    target = None if rules is None else float(rules.complaint_rate_target)
    return _bar_chart(
        [f"{r.org_name}" for r in ordered.itertuples()],
        [0 if pd.isna(r.complaint_rate) else r.complaint_rate for r in ordered.itertuples()],
        "投诉率 complaint rate of the units below, with the target",
        percent=True,
        line=target,
    )


def _bar_chart(labels: list[str], values: list[float], title: str, percent: bool, line: float | None = None) -> str:
    """A horizontal bar chart as inline SVG (text as text, for the browser's fonts)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    plt.rcParams["svg.fonttype"] = "none"
    plt.rcParams["font.family"] = ["Noto Sans CJK SC", "sans-serif"]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(labels) + 1))
    try:
        ax.barh(range(len(values)), values, color="#3b6ea8")
        ax.set_yticks(range(len(labels)), labels)
        ax.invert_yaxis()
        ax.set_title(title)
        if percent:
            ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        if line is not None:
            ax.axvline(line, color="#c0392b", linestyle="--")
        fig.tight_layout()
        out = io.StringIO()
        fig.savefig(out, format="svg")
    finally:
        plt.close(fig)
    svg = out.getvalue()
    return '<figure class="chart">' + svg[svg.index("<svg") :] + "</figure>"


PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Noto Sans", sans-serif; margin: 2em; color: #222; }}
h1 {{ font-size: 1.5em; }} h2 {{ border-bottom: 2px solid #3b6ea8; padding-top: 1em; }}
.level {{ font-size: 0.6em; color: #777; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1em; }}
th, td {{ border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; font-size: 0.9em; }}
td.figure {{ text-align: right; font-variant-numeric: tabular-nums; }}
code {{ font-size: 0.8em; color: #555; }}
figure.chart svg {{ max-width: 100%; height: auto; }}
@media print {{ section {{ page-break-before: always; }} }}
</style></head>
<body><h1>{heading}</h1><p>{subtitle}</p>{chart}
{sections}
</body></html>
"""


def write_report(ws: Workspace, period: str, org: str | None, out: Path) -> Path:
    """HTML, or PDF through headless Chromium's print-to-PDF."""
    page = render_report(ws, period, org)
    if out.suffix.lower() == ".pdf":
        from kefu.browser import print_to_pdf

        print_to_pdf(page, out)
    else:
        out.write_text(page, encoding="utf-8")
    return out
