"""The Chinese working-day calendar as data (``seeds/cn_calendar_days.csv``).

Only the exceptions to "Monday–Friday work, weekend off" are stored: public holidays and
the make-up workdays (调休) that move a weekend day into a working day. The source is the
State Council's annual notice as packaged by ``chinesecalendar``; coverage is stated in
``seeds/calendar_coverage.csv`` so that the warehouse refuses to compute a deadline in a
year the calendar does not know instead of guessing.
"""
from __future__ import annotations

import csv
import datetime as dt
from importlib.metadata import version
from pathlib import Path

import chinese_calendar

CALENDAR = "CN"
# the Chinese name users search for (also: no apostrophe, which dbt-spark's seed loader
# does not escape, as in "New Year's Day")
HOLIDAY_NAMES_ZH = {h.value: h.chinese for h in chinese_calendar.Holiday}


def calendar_rows(first_year: int, last_year: int) -> list[dict]:
    rows = []
    day = dt.date(first_year, 1, 1)
    while day.year <= last_year:
        is_weekend = day.isoweekday() >= 6
        is_workday = chinese_calendar.is_workday(day)
        if is_weekend == is_workday:  # a weekday off, or a weekend day worked (调休)
            rows.append({"calendar": CALENDAR, "date_day": day.isoformat(),
                         "day_type": "makeup_workday" if is_workday else "holiday",
                         "holiday_name": HOLIDAY_NAMES_ZH.get(chinese_calendar.get_holiday_detail(day)[1], "")})
        day += dt.timedelta(days=1)
    return rows


def write_calendar_seeds(seed_dir: Path, first_year: int, last_year: int) -> int:
    known_last = max(chinese_calendar.holidays).year
    if last_year > known_last:
        raise ValueError(f"chinesecalendar {version('chinesecalendar')} knows holidays and make-up "
                         f"workdays up to {known_last} only; refusing to write {last_year}")
    rows = calendar_rows(first_year, last_year)
    with open(seed_dir / "cn_calendar_days.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["calendar", "date_day", "day_type", "holiday_name"])
        writer.writeheader()
        writer.writerows(rows)
    with open(seed_dir / "calendar_coverage.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["calendar", "first_day", "last_day", "source", "source_version"])
        writer.writerow([CALENDAR, f"{first_year}-01-01", f"{last_year}-12-31",
                         "国务院办公厅关于部分节假日安排的通知 (via chinesecalendar)",
                         f"chinesecalendar {version('chinesecalendar')}"])
    return len(rows)
