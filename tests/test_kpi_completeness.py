"""A KPI mart is complete when everything a reader, an auditor and CI rely on is there: its
definition, every column described, its grain tested, a hand-computed unit test, a way for
`kefu trace` to find its records, and a check computed independently from the landing files.
Each of these lives beside the mart (models/marts/<area>/kpi_<name>.sql and .yml) or in
tests/independent.py; docs/adding-a-kpi.md walks through them. This test names what a new
KPI forgot, in one list."""

import re
from pathlib import Path

import duckdb

from dagster_defs.dbt import KPI_FIELDS
from kefu.project import marts
from tests import independent

TESTS_DIR = Path(__file__).parent


def _columns(ws, mart: str) -> list[str]:
    with duckdb.connect(str(ws.warehouse_file), read_only=True) as con:
        return [name for name, *_ in con.execute(f"describe marts.{mart}").fetchall()]


def _used_by_a_test(function) -> bool:
    pattern = re.compile(rf"\b{function.__name__}\b")
    return any(
        pattern.search(p.read_text(encoding="utf-8"))
        for p in TESTS_DIR.glob("test_*.py")
        if p.name != Path(__file__).name
    )


def test_every_kpi_mart_is_complete(built):
    found = marts()
    assert len(found) >= 19, sorted(found)
    problems = []
    for name, mart in found.items():
        yml = f"models/marts/{mart.area}/{name}.yml"
        if not name.startswith("kpi_") or mart.path != f"models/marts/{mart.area}/{name}.sql" or not mart.area:
            problems.append(f"{name}: a KPI mart is models/marts/<area>/kpi_<name>.sql (found {mart.path})")
        missing = [f for f in KPI_FIELDS if not mart.kpi.get(f)]
        if missing:
            problems.append(f"{name}: config.meta.kpi in {yml} lacks {', '.join(missing)}")
        if not mart.grain:
            problems.append(f"{name}: no grain test (a unique_combination test of its key columns in {yml})")
        undocumented = [c for c in _columns(built, name) if not mart.columns.get(c, "").strip()]
        if undocumented:
            problems.append(f"{name}: columns without a description in {yml}: {', '.join(undocumented)}")
        untyped = [c for c in mart.columns if not mart.types.get(c)]
        if not mart.contract_enforced or untyped:
            problems.append(
                f"{name}: BI readers rely on its contract (contract: enforced, a data_type on every column in "
                f"{yml}); " + (f"untyped: {', '.join(untyped)}" if untyped else "not enforced")
            )
        if not mart.unit_tests:
            problems.append(f"{name}: no dbt unit test (a hand-computed case under unit_tests: in {yml})")
        if not ({"records", "assessed"} & set(mart.trace) or str(mart.trace.get("not_traced", "")).strip()):
            problems.append(
                f"{name}: config.meta.trace in {yml} says neither how kefu trace finds its records "
                "(records:) nor why it is not traced (not_traced: reason)"
            )
        if name in independent.CHECKS:  # a rate is compared by test_every_rate_matches_raw_extracts
            if name not in independent.RATES and not _used_by_a_test(independent.CHECKS[name]):
                problems.append(
                    f"{name}: tests/independent.py's {independent.CHECKS[name].__name__} is compared "
                    "with the mart by no test"
                )
        elif not independent.NOT_CHECKED.get(name, "").strip():
            problems.append(
                f"{name}: no independent check (a function in tests/independent.py listed in RATES, "
                "or in CHECKS and compared with the mart by a test; or NOT_CHECKED with the reason)"
            )
    stale = (set(independent.CHECKS) | set(independent.NOT_CHECKED)) - set(found)
    problems += [f"tests/independent.py names {m}, which is not a mart" for m in sorted(stale)]
    assert not problems, "\n".join(problems)
