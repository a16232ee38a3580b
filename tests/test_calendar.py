"""The working-day calendar past the years the State Council has published: deadlines there
are computed on a provisional calendar and flagged, until an operator loads the year's notice
(`kefu calendar --notice`); past even the provisional year, a deadline fails the build and
names its record."""

import csv
import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from kefu.calendar import NoticeError, calendar_years, last_packaged_year, read_notice, write_calendar_seeds
from kefu.workspace import SEEDS_DIR, Workspace
from tests.conftest import copy_project

KEFU = str(Path(sys.executable).parent / "kefu")
# the first year the committed calendar computes provisionally (2027: chinesecalendar 1.11 knows
# no make-up days of it; holidays 0.109 its statutory days)
[FIRST_UNPUBLISHED] = [
    int(r["first_day"][:4])
    for r in csv.DictReader((SEEDS_DIR / "calendar_coverage.csv").read_text(encoding="utf-8").splitlines())
    if r["status"] == "provisional"
]
# An arrangement made up for these tests (the real notice may differ): New Year's Day off and
# the Saturday after it worked.
NOTICE = f"""date,day_type,name
{FIRST_UNPUBLISHED}-01-01,holiday,元旦
{FIRST_UNPUBLISHED}-01-02,makeup_workday,元旦
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def coverage(seeds: Path) -> list[tuple[str, str, str]]:
    with (seeds / "calendar_coverage.csv").open(encoding="utf-8") as f:
        return [(r["first_day"], r["last_day"], r["status"]) for r in csv.DictReader(f)]


def test_the_year_after_the_published_ones_is_provisional_with_statutory_holidays_only(tmp_path):
    *official, provisional = calendar_years(tmp_path, 2025)
    unpublished = last_packaged_year() + 1
    assert [y.status for y in official] == ["official"] * len(official) and official[-1].year == unpublished - 1
    assert provisional.year == unpublished and provisional.status == "provisional"
    kinds = {row["day_type"] for row in provisional.days}
    assert kinds == {"holiday"}  # no make-up workdays: only the notice can say which weekends are worked
    assert any(row["date_day"] == f"{unpublished}-01-01" for row in provisional.days)  # 元旦
    assert all(dt.date.fromisoformat(row["date_day"]).isoweekday() <= 5 for row in provisional.days)


def test_a_notice_makes_its_year_official_moves_the_horizon_and_stays_through_regeneration(tmp_path):
    write_calendar_seeds(tmp_path, 2025)
    write_calendar_seeds(tmp_path, 2025, read_notice(write(tmp_path / "notice.csv", NOTICE)))
    next_year = max(FIRST_UNPUBLISHED, last_packaged_year()) + 1
    loaded = [
        (f"{FIRST_UNPUBLISHED}-01-01", f"{FIRST_UNPUBLISHED}-12-31", "official"),
        (f"{next_year}-01-01", f"{next_year}-12-31", "provisional"),
    ]
    assert coverage(tmp_path)[-2:] == loaded
    write_calendar_seeds(tmp_path, 2025)  # regenerated from the packages: the notice's year is kept
    assert coverage(tmp_path)[-2:] == loaded
    with (tmp_path / "cn_calendar_days.csv").open(encoding="utf-8") as f:
        year = [
            (r["date_day"], r["day_type"])
            for r in csv.DictReader(f)
            if r["date_day"].startswith(str(FIRST_UNPUBLISHED))
        ]
    assert year == [(f"{FIRST_UNPUBLISHED}-01-01", "holiday"), (f"{FIRST_UNPUBLISHED}-01-02", "makeup_workday")]


@pytest.mark.parametrize(
    "text, message",
    [
        ("date,day_type\n2027-01-01,holiday\n2027-13-01,holiday\n", "row 3, column date: '2027-13-01' is not a date"),
        ("date,day_type\n2027-01-04,makeup_workday\n", "row 2, column date: 2027-01-04 is a weekday"),
        ("date,day_type\n2027-01-01,day_off\n", "row 2, column day_type: 'day_off' is not one of"),
        (
            "date,day_type\n2027-01-01,holiday\n2028-01-03,holiday\n",
            "a notice covers one year; this file has 2027, 2028",
        ),
        ("day,kind\n2027-01-01,holiday\n", "the header lacks the column(s) date, day_type"),
    ],
)
def test_a_mistyped_notice_is_named_by_row_and_column(tmp_path, text, message):
    with pytest.raises(NoticeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_notice(write(tmp_path / "notice.csv", text))


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project (dbt project, rules, expectations) for `kefu` to build and
    `kefu calendar` to rewrite (KEFU_PROJECT_DIR): the tests leave the checkout's seeds alone."""
    return copy_project(tmp_path / "project")


def kefu(project: Path, home: Path | None, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KEFU_PROJECT_DIR": str(project), **({"KEFU_HOME": str(home)} if home else {})}
    return subprocess.run([KEFU, *args], capture_output=True, text=True, env=env, timeout=900)


def test_kefu_calendar_says_what_is_wrong_in_one_line(tmp_path, project):
    bad = write(tmp_path / "notice.csv", "date,day_type\n2027-01-04,makeup_workday\n")
    done = kefu(project, None, "calendar", "--notice", str(bad))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"kefu calendar: {bad} row 2, column date: 2027-01-04 is a weekday; "
        "a make-up workday (调休) is a Saturday or Sunday worked"
    ]


def lengthen_close_deadlines(project: Path, days: dict[str, int]) -> None:
    """Give the project copy's current company close rules these working days per class. The
    shipped rules (at most 5 working days, inside the regulator's 15 calendar days) cannot
    reach the next year from a complaint received before today; 20 working days can, and a
    calendar does not care which rule asks it."""
    path = project / "seeds" / "complaint_deadlines.csv"
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields, rules = reader.fieldnames, list(reader)
    for rule in rules:
        if rule["stage"] == "close" and rule["calendar"] == "cn_workdays" and not rule["effective_to"]:
            rule["days"] = str(days.get(rule["complaint_class"], rule["days"]))
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rules)


def land_december_complaints(ws: Workspace) -> dict[str, str]:
    """Two complaints received on Friday 4 December of the last published year, open: a
    staff-violation one (20 working days to close: into the next year) and a product one (15:
    within the year), under the rules lengthen_close_deadlines gives. Returns complaint id → class."""
    template = sorted((ws.landing / "complaints").glob("*.csv"))[0]
    with template.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header, row = reader.fieldnames, next(reader)
    received = f"{FIRST_UNPUBLISHED - 1}-12-04 09:00:00"
    complaints = {"DEC-STAFF": "staff_violation", "DEC-PRODUCT": "product"}
    with (ws.landing / "complaints" / "zz_december.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(
            {**row, "complaint_id": key, "complaint_class": cls, "received_at": received}
            for key, cls in complaints.items()
        )
    with (ws.landing / "complaint_events" / "zz_december.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["complaint_id", "event_seq", "event_type", "event_at", "operator_id"])
        writer.writerows([key, 1, "received", received, ""] for key in complaints)
    return complaints


def close_deadlines(ws: Workspace) -> dict[str, tuple]:
    with duckdb.connect(str(ws.warehouse_file), read_only=True) as con:
        return {
            key: (str(day), provisional)
            for key, day, provisional in con.execute(
                "select complaint_id, deadline_date, deadline_provisional from core.fct_complaint_stages "
                "where complaint_id like 'DEC-%' and stage = 'close'"
            ).fetchall()
        }


def provisional_at_head_office(ws: Workspace) -> tuple[int, int]:
    with duckdb.connect(str(ws.published_file), read_only=True) as con:
        return con.execute(f"""
            select (select provisional_deadlines from kpi_complaint_timeliness
                    where org_level = 1 and period_month = '{FIRST_UNPUBLISHED - 1}-12'),
                   (select provisional_deadlines from kpi_complaint_stage_timeliness
                    where org_level = 1 and period_month = '{FIRST_UNPUBLISHED - 1}-12' and stage = 'close')
        """).fetchone()


def test_deadlines_in_an_unpublished_year_are_provisional_until_its_notice_is_loaded(history_copy, tmp_path, project):
    ws, year = history_copy, FIRST_UNPUBLISHED
    lengthen_close_deadlines(project, {"staff_violation": 20, "product": 15})
    land_december_complaints(ws)
    built = kefu(project, ws.home, "build")
    assert built.returncode == 0, built.stderr[-3000:]
    # the terminal gets a few lines (dbt's progress by quarter, the phases' times), the log the rest
    assert len(built.stdout.splitlines()) <= 8 and re.search(r"^  dbt \d+/\d+ models", built.stdout, re.M), built.stdout
    # Dec 7–31 hold 19 working days; 1 Jan is 元旦 (statutory); Sat 2 and Sun 3 are weekend
    assert close_deadlines(ws) == {"DEC-STAFF": (f"{year}-01-04", True), "DEC-PRODUCT": (f"{year - 1}-12-25", False)}
    assert provisional_at_head_office(ws) == (1, 1)
    assert re.search(
        rf"warning: check warn_provisional_calendar on \S+ warns: 1 row\n +calendar_year={year}, "
        r"provisional_deadlines=1, .*kefu calendar --notice",
        built.stderr,
    ), built.stderr[-3000:]

    loaded = kefu(project, ws.home, "calendar", "--notice", str(write(tmp_path / f"{year}.csv", NOTICE)))
    assert loaded.returncode == 0, loaded.stderr
    assert f"{year} official (notice sha256:" in loaded.stdout
    built = kefu(project, ws.home, "build")
    assert built.returncode == 0, built.stderr[-3000:]
    # the notice makes Saturday 2 January a working day: the 20th
    assert close_deadlines(ws) == {"DEC-STAFF": (f"{year}-01-02", False), "DEC-PRODUCT": (f"{year - 1}-12-25", False)}
    assert provisional_at_head_office(ws) == (0, 0)
    assert "warn_provisional_calendar" not in built.stderr

    # a calendar that ends with the published years (as `kefu calendar --provisional-years 0`
    # writes it): the deadline cannot be placed at all
    coverage_file = project / "seeds" / "calendar_coverage.csv"
    ends = [
        line
        for line in coverage_file.read_text(encoding="utf-8").splitlines()
        if ",provisional," not in line and not line.startswith(f"CN,{year}-")
    ]
    write(coverage_file, "\n".join(ends) + "\n")
    failed = kefu(project, ws.home, "build")
    assert failed.returncode == 1
    message = failed.stderr[failed.stderr.index("kefu: pipeline run") :]
    assert "assert_deadlines_within_calendar" in message and "Traceback" not in message
    assert "record_id=DEC-STAFF" in message and "zz_december.csv" in message
    assert "source_row=2" in message  # its line, after the header
