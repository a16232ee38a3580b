"""The Chinese working-day calendar as data (``seeds/cn_calendar_days.csv``).

Only the exceptions to "Monday–Friday work, weekend off" are stored: public holidays on
weekdays and the make-up workdays (调休) that move a weekend day into a working day.
``seeds/calendar_coverage.csv`` says, per span of days, where they come from and whether
they are official:

- official: the State Council's annual notice, as packaged by ``chinesecalendar``, or as an
  operator typed it from the notice (``kefu calendar --notice FILE``) for a year the
  package does not know yet;
- provisional: the years after the last official one (``PROVISIONAL_YEARS``), with the
  statutory holidays ``holidays`` computes and no make-up workdays, which only the notice
  can say. Deadlines falling there carry a ``*_provisional`` flag and the run warns.

Beyond the provisional years nothing is guessed: a deadline there fails the build.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import chinese_calendar
import holidays

CALENDAR = "CN"
PROVISIONAL_YEARS = 1  # how far past the last official year deadlines may fall, flagged
DAY_TYPES = ("holiday", "makeup_workday")
DAYS_FILE, COVERAGE_FILE = "cn_calendar_days.csv", "calendar_coverage.csv"
DAY_COLUMNS = ["calendar", "date_day", "day_type", "holiday_name"]
COVERAGE_COLUMNS = ["calendar", "first_day", "last_day", "status", "source", "source_version"]
NOTICE_SOURCE = "国务院办公厅关于{year}年部分节假日安排的通知 (typed from {file})"
# the Chinese name users search for (also: no apostrophe, which dbt-spark's seed loader
# does not escape, as in "New Year's Day")
HOLIDAY_NAMES_ZH = {h.value: h.chinese for h in chinese_calendar.Holiday}


class NoticeError(ValueError):
    """An operator's notice file that cannot be read as written; says file, row and column."""


@dataclass(frozen=True)
class Year:
    """One year of the calendar: its exception days and where they come from."""

    year: int
    days: tuple[dict, ...]
    status: str  # official | provisional
    source: str
    source_version: str

    def coverage(self) -> dict:
        return {
            "calendar": CALENDAR,
            "first_day": f"{self.year}-01-01",
            "last_day": f"{self.year}-12-31",
            "status": self.status,
            "source": self.source,
            "source_version": self.source_version,
        }


def _exception(day: dt.date, is_workday: bool, name: str) -> dict | None:
    """The seed row of a day that breaks the Monday–Friday rule, else None."""
    if (day.isoweekday() >= 6) != is_workday:
        return None
    return {
        "calendar": CALENDAR,
        "date_day": day.isoformat(),
        "day_type": "makeup_workday" if is_workday else "holiday",
        "holiday_name": name,
    }


def _days_of(year: int):
    day = dt.date(year, 1, 1)
    while day.year == year:
        yield day
        day += dt.timedelta(days=1)


def last_packaged_year() -> int:
    return max(chinese_calendar.holidays).year


def packaged_year(year: int) -> Year:
    """A year of the State Council's notice as chinesecalendar packages it."""
    rows = (
        _exception(
            day, chinese_calendar.is_workday(day), HOLIDAY_NAMES_ZH.get(chinese_calendar.get_holiday_detail(day)[1], "")
        )
        for day in _days_of(year)
    )
    return Year(
        year,
        tuple(r for r in rows if r),
        "official",
        "国务院办公厅关于部分节假日安排的通知 (via chinesecalendar)",
        f"chinesecalendar {version('chinesecalendar')}",
    )


def provisional_year(year: int) -> Year:
    """Weekends plus the statutory holidays (and the weekdays off in lieu) that `holidays`
    computes for China; no make-up workdays: the State Council announces those each year."""
    statutory = holidays.China(years=year, language="zh_CN")
    rows = (
        _exception(day, day not in statutory and day.isoweekday() <= 5, statutory.get(day, ""))
        for day in _days_of(year)
    )
    return Year(
        year,
        tuple(r for r in rows if r),
        "provisional",
        "法定节假日 only and no 调休 make-up workdays (via holidays): provisional until the notice is loaded",
        f"holidays {version('holidays')}",
    )


def read_notice(path: Path, source: str | None = None) -> Year:
    """One year's arrangement as an operator typed it from the State Council's notice: a
    CSV with the columns date (YYYY-MM-DD), day_type (holiday or makeup_workday) and name,
    one row per day off or make-up workday. Holidays on a weekend may be listed; they
    change nothing."""
    rows, years = [], set()
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = {"date", "day_type"} - set(reader.fieldnames or [])
        if missing:
            raise NoticeError(
                f"{path}: the header lacks the column(s) {', '.join(sorted(missing))} (expected: date,day_type,name)"
            )
        for number, row in enumerate(reader, start=2):
            where = f"{path} row {number}"
            try:
                day = dt.date.fromisoformat((row["date"] or "").strip())
            except ValueError:
                raise NoticeError(f"{where}, column date: {row['date']!r} is not a date (YYYY-MM-DD)") from None
            kind = (row["day_type"] or "").strip()
            if kind not in DAY_TYPES:
                raise NoticeError(f"{where}, column day_type: {kind!r} is not one of {', '.join(DAY_TYPES)}")
            if kind == "makeup_workday" and day.isoweekday() <= 5:
                raise NoticeError(
                    f"{where}, column date: {day} is a weekday; a make-up workday (调休) is a Saturday or Sunday worked"
                )
            years.add(day.year)
            rows.append(_exception(day, kind == "makeup_workday", (row.get("name") or "").strip()))
    if len(years) != 1:
        raise NoticeError(
            f"{path}: a notice covers one year; this file has "
            + (", ".join(map(str, sorted(years))) if years else "no rows")
        )
    [year] = years
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return Year(
        year,
        tuple(sorted((r for r in rows if r), key=lambda r: r["date_day"])),
        "official",
        source or NOTICE_SOURCE.format(year=year, file=path.name),
        f"notice sha256:{digest}",
    )


def _loaded_notices(seed_dir: Path) -> dict[int, Year]:
    """Years an operator loaded from a notice before, as the seeds hold them."""
    coverage_file, days_file = seed_dir / COVERAGE_FILE, seed_dir / DAYS_FILE
    if not coverage_file.exists():
        return {}
    with coverage_file.open(encoding="utf-8", newline="") as f:
        notices = [c for c in csv.DictReader(f) if c.get("source_version", "").startswith("notice ")]
    with days_file.open(encoding="utf-8", newline="") as f:
        days = list(csv.DictReader(f))
    return {
        int(c["first_day"][:4]): Year(
            int(c["first_day"][:4]),
            tuple(d for d in days if d["date_day"][:4] == c["first_day"][:4]),
            "official",
            c["source"],
            c["source_version"],
        )
        for c in notices
    }


def calendar_years(
    seed_dir: Path, first_year: int, notice: Year | None = None, provisional_years: int = PROVISIONAL_YEARS
) -> list[Year]:
    """Every year from first_year: chinesecalendar's, then the notices loaded (kept across
    regenerations, the new one added; an operator's notice stands for its year even once a
    package knows the year too: both copy the same notice, and the operator said so), then
    provisional years past the last official one."""
    years = {y: packaged_year(y) for y in range(first_year, last_packaged_year() + 1)}
    notices = _loaded_notices(seed_dir) | ({notice.year: notice} if notice else {})
    for year, loaded in sorted(notices.items()):
        if year > max(years) + 1:
            raise NoticeError(
                f"the notice for {year} leaves {max(years) + 1} without an official calendar: "
                f"load {max(years) + 1}'s notice first"
            )
        if year >= first_year:
            years[year] = loaded
    last_official = max(years)
    for year in range(last_official + 1, last_official + 1 + provisional_years):
        years[year] = provisional_year(year)
    return [years[y] for y in sorted(years)]


def write_calendar_seeds(
    seed_dir: Path, first_year: int, notice: Year | None = None, provisional_years: int = PROVISIONAL_YEARS
) -> list[Year]:
    years = calendar_years(seed_dir, first_year, notice, provisional_years)
    with open(seed_dir / DAYS_FILE, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=DAY_COLUMNS)
        writer.writeheader()
        writer.writerows(row for year in years for row in year.days)
    with open(seed_dir / COVERAGE_FILE, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COVERAGE_COLUMNS)
        writer.writeheader()
        writer.writerows({**first.coverage(), "last_day": f"{last.year}-12-31"} for first, last in spans(years))
    return years


def spans(years: list[Year]) -> list[tuple[Year, Year]]:
    """Runs of consecutive years from one source, first and last: a coverage row each."""
    runs: list[list[Year]] = []
    for year in years:
        if runs and (runs[-1][-1].status, runs[-1][-1].source, runs[-1][-1].source_version) == (
            year.status,
            year.source,
            year.source_version,
        ):
            runs[-1].append(year)
        else:
            runs.append([year])
    return [(run[0], run[-1]) for run in runs]


def describe(years: list[Year]) -> str:
    """'2015–2026 official (chinesecalendar 1.11.0); 2027 provisional (holidays 0.109)'."""
    return "; ".join(
        f"{a.year}{'' if a is b else f'–{b.year}'} {a.status} ({a.source_version})" for a, b in spans(years)
    )
