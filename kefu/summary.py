"""A short KPI summary of the published snapshot: head office, whole period and last month."""

from __future__ import annotations

import unicodedata

import duckdb

from kefu.project import marts
from kefu.workspace import Workspace


def summary_lines() -> list[tuple[str, dict]]:
    """Each mart's lines (config.meta.summary in its .yml) in their order: (mart, line)."""
    return sorted(
        ((name, line) for name, mart in marts().items() for line in mart.summary), key=lambda item: item[1]["order"]
    )


def kpi_summary(ws: Workspace) -> str:
    con = duckdb.connect(str(ws.published_file), read_only=True)
    try:
        head = con.execute("select org_code, org_name from kpi_complaint_rate where org_level = 1 limit 1").fetchone()
        last = con.execute("select max(period_month) from kpi_complaint_rate").fetchone()[0]
        first = con.execute("select min(period_month) from kpi_complaint_rate").fetchone()[0]
        lines = [f"KPI summary — {head[1]} ({head[0]}), {first} … {last}   [workspace {ws.home}]"]
        published = {name for (name,) in con.execute("select table_name from information_schema.tables").fetchall()}
        for table, line in summary_lines():
            label, fmt, keys = _pad(line["label"], 44), line["format"], line.get("keys") or {}
            if table not in published:  # a KPI added since this snapshot was published
                lines.append(f"  {label} {'n/a':>9} (not in this snapshot: kefu build publishes it)")
                continue
            where = "".join(f" and {column} = ?" for column in keys)
            total_n, total_d, last_n, last_d = con.execute(
                f"""
                select sum(numerator), sum(denominator),
                       sum(case when period_month = ? then numerator end),
                       sum(case when period_month = ? then denominator end)
                from {table} where org_level = 1{where}""",
                [last, last, *keys.values()],
            ).fetchone()
            lines.append(
                f"  {label} {_rate(total_n, total_d, fmt):>9} ({total_n or 0:,} / {total_d or 0:,})"
                f"   {last}: {_rate(last_n, last_d, fmt)}"
            )
        score, grade, version = con.execute(
            "select score, grade, weight_version from kpi_service_quality_score "
            "where org_level = 1 and period_month = ?",
            [last],
        ).fetchone() or (None, None, None)
        # null where the extracts hold no rating that month (e.g. a complaints-only workspace)
        shown = f"{score:9.1f} ({grade}, weights {version})" if score is not None else f"{'n/a':>9} (no ratings)"
        lines.append(f"  {_pad('服务质量综合得分 service-quality score', 44)} {shown}   {last}")
        return "\n".join(lines)
    finally:
        con.close()


def _pad(text: str, width: int) -> str:
    """Left-justify by display width: a Chinese character takes two columns."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - shown)


def _rate(n, d, fmt) -> str:
    return fmt.format(n / d) if d else "n/a"
