"""Reporting periods as people type them: a month (2026-03), a quarter (2026-Q1), a year (2026)."""

from __future__ import annotations

import datetime as dt
import re


def period_months(period: str) -> tuple[dt.date, dt.date]:
    """First day of the period's first month and the first day after its last month."""
    if m := re.fullmatch(r"(\d{4})-(\d{2})", period):
        start, months = dt.date(int(m[1]), int(m[2]), 1), 1
    elif m := re.fullmatch(r"(\d{4})-Q([1-4])", period):
        start, months = dt.date(int(m[1]), 3 * int(m[2]) - 2, 1), 3
    elif m := re.fullmatch(r"(\d{4})", period):
        start, months = dt.date(int(m[1]), 1, 1), 12
    else:
        raise ValueError(f"period {period!r}: give YYYY-MM, YYYY-Qn or YYYY")
    end_month = start.month - 1 + months
    return start, dt.date(start.year + end_month // 12, end_month % 12 + 1, 1)


def quarter(period: str) -> tuple[int, int]:
    """(year, quarter) of a YYYY-Qn period: the assessment cycle of 003 §6."""
    if not (m := re.fullmatch(r"(\d{4})-Q([1-4])", period)):
        raise ValueError(f"period {period!r}: assessment periods are quarters, YYYY-Qn")
    return int(m[1]), int(m[2])
