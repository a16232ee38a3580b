"""The semantic layer: every rate mart's ratio metric, as MetricFlow answers it from the
published snapshot, is the mart's own rate for every unit and month (and every value of the
mart's other keys), and a quarter is its months' numerators and denominators summed."""

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from kefu.metrics import query, semantic_manifest_file
from kefu.project import marts

KEFU = str(Path(sys.executable).parent / "kefu")
RATE_MARTS = sorted(n for n, m in marts().items() if {"numerator", "denominator", "rate"} <= set(m.columns))


def _mart(ws, name: str) -> pd.DataFrame:
    with duckdb.connect(str(ws.published_file), read_only=True) as con:
        return con.execute(f"select * from {name}").df()


def test_every_rate_mart_has_its_three_metrics_with_the_kpis_chinese_name():
    labels = {
        m["name"]: m["label"] for m in json.loads(semantic_manifest_file().read_text(encoding="utf-8"))["metrics"]
    }
    assert len(RATE_MARTS) >= 15
    for name in RATE_MARTS:
        short, zh = name.removeprefix("kpi_"), marts()[name].kpi["name_zh"]
        assert (labels[short], labels[f"{short}_numerator"], labels[f"{short}_denominator"]) == (
            zh,
            f"{zh} 分子",
            f"{zh} 分母",
        ), name


@pytest.mark.parametrize("mart", RATE_MARTS)
def test_a_rate_metric_is_its_marts_rate_by_month_and_its_months_summed_by_quarter(built, mart):
    short = mart.removeprefix("kpi_")
    keys = [k for k in marts()[mart].grain if k not in ("org_code", "month_start")]
    metrics = [short, f"{short}_numerator", f"{short}_denominator"]
    by = ["org", *(f"{short}_row__{k}" for k in keys)]
    rows = _mart(built, mart)
    rows["month_start"] = pd.to_datetime(rows.month_start)

    monthly, _ = query(built, metrics, [*by, "metric_time__month"])
    monthly = monthly.rename(columns={"metric_time__month": "month_start", "org": "org_code"})
    monthly = monthly.rename(columns={f"{short}_row__{k}": k for k in keys})
    monthly["month_start"] = pd.to_datetime(monthly.month_start)
    merged = rows.merge(monthly, on=["org_code", "month_start", *keys], how="left", validate="one_to_one")
    # a unit-month with nothing to count has no row in the metric: its numerator and denominator are 0
    counted = merged[merged.denominator > 0]
    assert (counted[f"{short}_numerator"] == counted.numerator).all(), mart
    assert (counted[f"{short}_denominator"] == counted.denominator).all(), mart
    assert (counted[short] == counted.rate).all(), mart  # exact: the same division of the same integers
    assert merged[merged.denominator == 0][short].isna().all()

    quarterly, _ = query(built, metrics, [*by, "metric_time__quarter"])
    quarterly = quarterly.rename(columns={"org": "org_code", **{f"{short}_row__{k}": k for k in keys}})
    rows["quarter"] = rows.month_start.dt.to_period("Q").dt.start_time
    summed = rows.groupby(["org_code", "quarter", *keys], as_index=False)[["numerator", "denominator"]].sum()
    summed = summed[summed.denominator > 0]
    quarterly["quarter"] = pd.to_datetime(quarterly.metric_time__quarter)
    both = summed.merge(quarterly, on=["org_code", "quarter", *keys], how="left", validate="one_to_one")
    assert (both[f"{short}_numerator"] == both.numerator).all(), mart
    assert (both[short] - both.numerator / both.denominator).abs().max() < 1e-15, mart


def test_kefu_metrics_answers_the_complaint_rate_by_quarter_for_head_office_and_its_provinces(built):
    done = subprocess.run(
        [
            KEFU,
            "metrics",
            "complaint_rate",
            "--by",
            "org,metric_time__quarter",
            "--where",
            "{{ Dimension('org__org_level') }} <= 2",
            "--order",
            "metric_time__quarter,org",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "KEFU_HOME": str(built.home)},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    header, *lines = done.stdout.strip().splitlines()
    assert sorted(header.split()) == ["complaint_rate", "metric_time__quarter", "org"]
    rows = [dict(zip(header.split(), line.split(), strict=True)) for line in lines]
    tree = _mart(built, "ref_org_tree")
    assert {r["org"] for r in rows} == set(tree[tree.org_level <= 2].org_code)
    hq = next(r for r in rows if r["org"] == "HQ" and r["metric_time__quarter"] == "2026-Q1")
    months = _mart(built, "kpi_complaint_rate")
    q1 = months[(months.org_code == "HQ") & (months.period_month.between("2026-01", "2026-03"))]
    assert float(hq["complaint_rate"]) == pytest.approx(
        q1.numerator.sum() / q1.denominator.sum(), abs=5e-7
    )  # printed to 6 places


def test_an_unknown_metric_is_one_line_with_the_nearest_names(built):
    done = subprocess.run(
        [KEFU, "metrics", "complaint_ratio"],
        capture_output=True,
        text=True,
        env={**os.environ, "KEFU_HOME": str(built.home)},
        timeout=300,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line == "kefu metrics: no metric complaint_ratio (did you mean complaint_rate?): `kefu metrics` lists them"
