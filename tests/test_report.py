"""The quarterly scorecard (`kefu report`, #10): every figure it prints is the marts' figure
(recomputed here from the published snapshot), every unit directly below the one asked has
its section, the trace commands it prints reproduce its figures, and headless Chromium
renders it and prints it to PDF."""

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from kefu.browser import chromium, run_chromium
from kefu.periods import period_months
from kefu.report import render_report
from kefu.trace import trace

KEFU = str(Path(sys.executable).parent / "kefu")
QUARTER = "2026-Q1"


class Figures(HTMLParser):
    """The data-* attributes of every figure cell, and the section headings."""

    def __init__(self):
        super().__init__()
        self.figures, self.sections, self._in_h2 = [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "td" and "data-mart" in attrs:
            self.figures.append({k.removeprefix("data-"): v for k, v in attrs.items() if k.startswith("data-")})
        self._in_h2 = tag == "h2"

    def handle_data(self, data):
        if self._in_h2:
            self.sections.append(data)
            self._in_h2 = False


def parse(page: str) -> Figures:
    found = Figures()
    found.feed(page)
    return found


def expected(con, f: dict):
    """The figure as the marts hold it."""
    if f["mart"] == "kpi_assessment_quarterly":
        return con.execute(
            f"select {f['column']} from kpi_assessment_quarterly where org_code = $org and period_quarter = $period",
            {"org": f["org"], "period": f["period"]},
        ).fetchone()[0]
    if f["mart"] == "kpi_service_quality_score":
        return con.execute(
            "select score from kpi_service_quality_score where org_code = $org and period_month = $period",
            {"org": f["org"], "period": f["period"]},
        ).fetchone()[0]
    start, end = period_months(f["period"])
    name, value = f["key"].split("=", 1)
    if f["mart"] == "kpi_complaint_stage_timeliness":
        num, den = con.execute(
            """select sum(numerator), sum(denominator) from kpi_complaint_stage_timeliness
               where org_code = $org and stage = $v and month_start >= $start and month_start < $end""",
            {"org": f["org"], "v": value, "start": start, "end": end},
        ).fetchone()
        return num / den if den else None
    assert f["mart"] == "kpi_complaint_hotspots" and name == "reason", f
    return con.execute(
        """select sum(complaints_received) from kpi_complaint_hotspots where org_code = $org
           and dimension_type = 'reason' and dimension_value = $v and month_start >= $start and month_start < $end""",
        {"org": f["org"], "v": value, "start": start, "end": end},
    ).fetchone()[0]


def same(shown: str, held) -> bool:
    if held is None:
        return shown == ""
    try:
        return abs(float(shown) - float(held)) <= 1e-12 * max(1.0, abs(float(held)))
    except ValueError:
        return shown == str(held)


def test_every_figure_of_the_scorecard_is_the_marts(built):
    page = render_report(built, QUARTER)
    found = parse(page)
    with duckdb.connect(str(built.published_file), read_only=True) as con:
        children = con.execute(
            """select count(*) from ref_org_tree where parent_org_code = 'HQ'
               and date '2026-03-31' between valid_from and valid_to"""
        ).fetchone()[0]
        wrong = [(f, expected(con, f)) for f in found.figures if not same(f["value"], expected(con, f))]
    assert len(found.sections) == 1 + children >= 3, found.sections
    marts = {f["mart"] for f in found.figures}
    assert marts == {
        "kpi_assessment_quarterly",
        "kpi_complaint_stage_timeliness",
        "kpi_complaint_hotspots",
        "kpi_service_quality_score",
    }
    assert len(found.figures) > 20 * len(found.sections) and not wrong, wrong[:5]
    assert page.count("<svg") == 1 + len(found.sections)  # the units' ranking, and each unit's dimensions


def test_the_trace_commands_it_prints_reproduce_its_figures(built):
    page = render_report(built, QUARTER)
    shown = {(f["org"], f["column"]): f["value"] for f in parse(page).figures if f["period"] == QUARTER}
    commands = re.findall(r"kefu trace (\w+) --org (HQ) --period (\S+?)(?: --survey-type (\w+))?</code>", page)
    columns = {
        "complaint_rate": "complaint_rate",
        "complaint_timeliness": "timeliness_rate",
        "satisfaction": "satisfaction_rate",
    }
    checked = 0
    for kpi, org, period, survey_type in commands:
        if kpi in columns:
            keys = {"survey_type": survey_type} if survey_type else {}
            assert same(shown[(org, columns[kpi])], trace(built, kpi, org, period, keys).rate), kpi
            checked += 1
    assert checked == 3


def test_a_wrong_period_or_unit_is_one_line(built, tmp_path):
    env = {"KEFU_HOME": str(built.home)}
    for args, message in [
        (["--period", "2026-03"], "the scorecard is quarterly, give YYYY-Qn"),
        (["--period", QUARTER, "--org", "NOPE"], "--org NOPE: no such unit"),
        (["--period", QUARTER, "--out", str(tmp_path / "r.docx")], "write .html or .pdf"),
    ]:
        done = subprocess.run(
            [KEFU, "report", *(args if "--out" in args else [*args, "--out", str(tmp_path / "r.html")])],
            capture_output=True,
            text=True,
            env={**os.environ, **env},
        )
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.mark.skipif(
    chromium() is None, reason="needs Debian's chromium (.ci/run installs it: apt-get install chromium)"
)
def test_chromium_renders_the_scorecard_and_prints_it_to_pdf(built, tmp_path):
    pdf = tmp_path / "scorecard.pdf"
    done = subprocess.run(
        [KEFU, "report", "--period", QUARTER, "--out", str(pdf)],
        capture_output=True,
        text=True,
        env={**os.environ, "KEFU_HOME": str(built.home)},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 50_000
    page = tmp_path / "scorecard.html"
    page.write_text(render_report(built, QUARTER), encoding="utf-8")
    shot = tmp_path / "scorecard.png"
    run_chromium("--window-size=1400,1800", f"--screenshot={shot}", page.as_uri(), profile=tmp_path / "profile")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000  # a blank page is ~5 KB
