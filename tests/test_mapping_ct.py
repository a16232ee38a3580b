"""A real extract nobody here wrote, through the shipped mapping and the unchanged models:
the Connecticut Insurance Department's complaint-level file (../shared/external)."""

import csv
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from kefu.workspace import REPO_ROOT, SEEDS_DIR, Workspace

# the project's shared folder sits beside the repository; a checkout elsewhere (CI) names it
# in KEFU_SHARED or finds it at /work/shared
SHARED = next(
    (p for p in (Path(os.environ.get("KEFU_SHARED", REPO_ROOT.parent / "shared")), Path("/work/shared")) if p.is_dir()),
    REPO_ROOT.parent / "shared",
)
CT_FILE = SHARED / "external" / "ct_insurance_complaints" / "ct_complaints_complaint_level.parquet"
MAPPING = REPO_ROOT / "mappings" / "ct_insurance_complaints.yml"
KEFU = str(Path(sys.executable).parent / "kefu")

pytestmark = [
    pytest.mark.skipif(not CT_FILE.exists(), reason=f"{CT_FILE} is not on this machine"),
    pytest.mark.xdist_group("ct"),
]  # one worker builds the module's workspace once


def kefu(ws: Workspace, *args: str) -> str:
    env = {
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
        "KEFU_HOME": str(ws.home),
        "KEFU_PII_KEY": "test-key-not-a-secret",
        "GX_ANALYTICS_ENABLED": "false",
        **{k: os.environ[k] for k in ("KEFU_COLUMN_LINEAGE", "KEFU_DBT_DOCS", "KEFU_PROJECT_DIR") if k in os.environ},
    }
    done = subprocess.run([KEFU, *args], env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


# session, not module: under pytest-xdist a worker may run another test between two of this
# module's, and a module fixture is then torn down and built again (it was: 300 s twice)
@pytest.fixture(scope="session")
def ct(tmp_path_factory) -> Workspace:
    """A workspace holding nothing but the CT file, loaded and built by the README's commands."""
    ws = Workspace(tmp_path_factory.mktemp("ct"))
    kefu(ws, "ingest", "--mapping", str(MAPPING), str(CT_FILE))
    kefu(ws, "build")
    return ws


def independent(sql: str) -> pd.DataFrame:
    """Figures straight from the file with plain DuckDB. Grain: a complaint is a file number
    against one company; the file repeats it once per coverage × reason × conclusion."""
    return duckdb.sql(f"""
        with complaints as (select distinct file_no, company, opened, closed from read_parquet('{CT_FILE}'))
        {sql}""").df()


def timeliness(ws: Workspace) -> pd.DataFrame:
    con = duckdb.connect(str(ws.published_file), read_only=True)
    try:
        return con.sql("select * from kpi_complaint_timeliness where org_level = 1 order by org_code, month_start").df()
    finally:
        con.close()


def test_complaint_counts_and_closing_times_per_company_and_year(ct):
    mart = timeliness(ct).assign(
        year=lambda d: pd.to_datetime(d.month_start).dt.year, closed=lambda d: d.numerator + d.closed_late
    )
    got = (
        mart.groupby(["org_name", "year"], as_index=False)[["denominator", "closed", "days_to_close_total"]]
        .sum()
        .query("denominator > 0")
    )
    got = got.assign(avg_days=got.days_to_close_total / got.closed)
    want = independent("""select company, year(opened) as year, count(*) as complaints,
                                 avg(closed - opened) as avg_days
                          from complaints group by all""")
    both = got.merge(want, left_on=["org_name", "year"], right_on=["company", "year"], how="outer", indicator=True)
    assert (both._merge == "both").all(), both[both._merge != "both"].head()
    assert len(both) > 2000 and want.complaints.sum() == 21_609  # not 75,045 rows, not 21,174 file numbers
    assert (both.denominator == both.complaints).all()
    assert ((both.avg_days_x - both.avg_days_y).abs() < 1e-9).all()


def test_monthly_rows_carry_the_mean_closing_time_and_calendar_day_deadlines(ct):
    mart = timeliness(ct).query("denominator > 0")
    days = next(
        int(r["days"])
        for r in csv.DictReader((SEEDS_DIR / "complaint_deadlines.csv").read_text(encoding="utf-8").splitlines())
        if r["calendar"] == "calendar_days" and r["stage"] == "close"
    )
    want = independent(f"""select company, strftime(opened, '%Y-%m') as period_month, count(*) as complaints,
                                  avg(closed - opened) as avg_days,
                                  count(*) filter (where closed - opened <= {days}) as on_time
                           from complaints group by all""")
    both = mart.merge(want, left_on=["org_name", "period_month"], right_on=["company", "period_month"])
    assert len(both) == len(want) == len(mart)
    assert (both.denominator == both.complaints).all()
    assert ((both.avg_days_to_close - both.avg_days).abs() < 1e-9).all()
    # plain days, not Chinese working days: a deadline over 国庆 would otherwise move
    assert (both.numerator == both.on_time).all()


def test_the_summary_of_a_complaints_only_workspace_says_what_it_lacks(ct):
    summary = kefu(ct, "summary")  # no surveys, ratings or claims in this extract
    assert "投诉率 complaint rate" in summary
    assert "n/a (no ratings)" in summary and "Traceback" not in summary


def test_every_row_is_accounted_for_and_a_second_delivery_changes_nothing(ct):
    out = kefu(ct, "reconcile")
    for extract in ("complaints", "complaint_events", "org_units"):
        line = next(text for text in out.splitlines() if text.startswith(extract + " "))
        assert line.split()[2:5] == ["75,045", "75,045", "0"], line
    before = timeliness(ct)
    again = kefu(ct, "ingest", "--mapping", str(MAPPING), str(CT_FILE))
    assert again.count("skipped") == 3
    assert "nothing new since the last build" in kefu(ct, "build")  # models, checks, publication skipped
    pd.testing.assert_frame_equal(timeliness(ct), before)
