"""The BI analyst's path: `kefu bi` provisions Apache Superset (its own venv, `make bi`) over the
published snapshot and serves it on 127.0.0.1; in a real browser (Debian's Chromium driven by
Playwright) the dashboard 客服质量驾驶舱 renders every chart with no error panel, and each chart's
figures, as Superset's chart-data API answered the browser, are the marts' own."""

import csv
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import requests

from kefu.bi import BI_VENV, bi_home
from kefu.browser import chromium
from kefu.project import column_labels, marts
from kefu.workspace import SEEDS_DIR

pytestmark = pytest.mark.xdist_group("superset")
KEFU = str(Path(sys.executable).parent / "kefu")
CHARTS = 12


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def superset(built):
    """`kefu bi` as the analyst starts it (provisioning, then the server), on a free port."""
    assert (BI_VENV / "bin" / "superset").exists(), "Superset is not installed: run `make bi-install`"
    port = _free_port()
    log = open(bi_home(built).parent / "kefu_bi.out", "w")  # noqa: SIM115 (open while the server runs)
    server = subprocess.Popen(
        [KEFU, "bi", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env={**os.environ}, text=True
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 300
    while time.time() < deadline:
        assert server.poll() is None, Path(log.name).read_text()[-3000:]
        try:
            if requests.get(f"{base}/health", timeout=2).text == "OK":
                break
        except (requests.ConnectionError, requests.Timeout):  # bound by gunicorn, its worker still loading
            time.sleep(1)
    else:
        pytest.fail(f"Superset did not answer on {base}: {Path(log.name).read_text()[-3000:]}")
    password = (bi_home(built) / "admin_password").read_text().strip()
    yield base, password, Path(log.name)
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)
    log.close()


@pytest.fixture(scope="module")
def api(superset):
    base, password, _ = superset
    token = requests.post(
        f"{base}/api/v1/security/login",
        json={"username": "admin", "password": password, "provider": "db", "refresh": False},
        timeout=30,
    ).json()["access_token"]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    session.headers["X-CSRFToken"] = session.get(f"{base}/api/v1/security/csrf_token/").json()["result"]
    return base, session


@pytest.fixture(scope="module")
def rendered(superset, api, built, tmp_path_factory):
    """The dashboard opened in Chromium after a login through Superset's form: every chart's
    chart-data response (by chart name), the error panels shown, and a full-page screenshot."""
    if chromium() is None:
        pytest.skip("needs Debian's chromium (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    base, password, _ = superset
    _, session = api
    names = {
        c["id"]: c["slice_name"] for c in session.get(f"{base}/api/v1/dashboard/kefu-quality/charts").json()["result"]
    }
    answers: dict[str, dict] = {}

    def keep(response):
        if "/api/v1/chart/data" in response.url and response.request.method == "POST":
            slice_id = response.request.post_data_json["form_data"]["slice_id"]
            answers[names[slice_id]] = {"status": response.status, "body": response.json()}

    shot = tmp_path_factory.mktemp("superset") / "dashboard.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1600, "height": 2600})  # every chart in view: none deferred
        page.on("response", keep)
        page.goto(f"{base}/login/")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url("**/superset/welcome/**")
        page.goto(f"{base}/superset/dashboard/kefu-quality/")
        deadline = time.time() + 120
        holders = page.locator(".dashboard-component-chart-holder")
        # every chart answered and drawn: under load the grid can come after the answers
        while (len(answers) < len(names) or page.locator(".loading").count() or holders.count() < len(names)) and (
            time.time() < deadline
        ):
            page.wait_for_timeout(500)
        page.wait_for_timeout(1000)  # the last chart's drawing
        errors = [e.inner_text() for e in page.locator("[role=alert], .ant-alert-error, .alert-danger").all()]
        drawn = page.locator(".dashboard-component-chart-holder").count()
        # the viewport holds every chart; a full-page shot resizes it, and under load the grid
        # was caught redrawing (a blank 40 KB page in CI, 12-07)
        page.screenshot(path=str(shot))
        browser.close()
    return {"names": set(names.values()), "answers": answers, "errors": errors, "drawn": drawn, "screenshot": shot}


def _snapshot(ws, sql: str, *params) -> pd.DataFrame:
    with duckdb.connect(str(ws.published_file), read_only=True) as con:
        return con.execute(sql, list(params)).df()


def _data(rendered, chart: str) -> pd.DataFrame:
    answer = rendered["answers"][chart]
    assert answer["status"] == 200, answer
    [result] = answer["body"]["result"]
    return pd.DataFrame(result["data"], columns=result["colnames"])


def _by_month(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["month_start"] = pd.to_datetime(frame["month_start"], unit="ms").dt.date
    return frame.set_index("month_start").sort_index()


def _hq_monthly(ws, table: str, column: str, where: str = "true") -> pd.Series:
    found = _snapshot(ws, f"select month_start, {column} from {table} where org_level = 1 and {where}")
    found["month_start"] = pd.to_datetime(found["month_start"]).dt.date
    return found.set_index("month_start")[column].sort_index()


def test_kefu_bi_serves_on_localhost_with_a_generated_password_only_its_owner_reads(superset, built):
    base, _, log = superset
    assert base.startswith("http://127.0.0.1:")
    said = log.read_text()
    assert f"Superset on {base}/superset/dashboard/kefu-quality/ — user admin" in said
    assert "Traceback" not in said
    assert (bi_home(built) / "admin_password").stat().st_mode & 0o777 == 0o600
    assert (bi_home(built) / "secret_key").stat().st_mode & 0o777 == 0o600
    assert requests.get(f"{base}/superset/dashboard/kefu-quality/", allow_redirects=False).status_code == 302  # login


def test_the_dashboard_renders_every_chart_without_an_error_panel(rendered):
    assert len(rendered["names"]) == CHARTS
    assert set(rendered["answers"]) == rendered["names"]
    assert rendered["drawn"] == CHARTS
    assert rendered["errors"] == []
    assert rendered["screenshot"].stat().st_size > 100_000  # a page of charts, not a blank one


def test_head_office_tiles_and_trends_are_the_marts_monthly_figures(rendered, built):
    for chart, table, column, metric, where in [
        ("总公司投诉率（月）", "kpi_complaint_rate", "rate", "complaint_rate", "true"),
        ("总公司投诉处理及时率（月）", "kpi_complaint_timeliness", "rate", "timeliness_rate", "true"),
        (
            "总公司投诉客户满意度（月）",
            "kpi_satisfaction",
            "rate",
            "satisfaction_rate",
            "survey_type = 'complaint_callback'",
        ),
        ("总公司服务质量综合得分（月）", "kpi_service_quality_score", "score", "service_quality_score", "true"),
    ]:
        shown = _by_month(_data(rendered, chart))[metric]
        pd.testing.assert_series_equal(shown, _hq_monthly(built, table, column, where), check_names=False, obj=chart)
    trend = _by_month(_data(rendered, "投诉处理及时率月度趋势（总公司：公司时限与监管时限）"))
    for metric, column in [
        ("timeliness_rate", "rate"),
        ("company_timeliness_rate", "company_rate"),
        ("regulator_timeliness_rate", "regulator_rate"),
    ]:
        expected = _hq_monthly(built, "kpi_complaint_timeliness", column)
        pd.testing.assert_series_equal(trend[metric], expected, check_names=False)
    by_unit = _by_month(_data(rendered, "投诉率月度趋势（总公司与省级分公司）"))
    expected = _snapshot(built, "select month_start, org_name, rate from kpi_complaint_rate where org_level <= 2")
    expected["month_start"] = pd.to_datetime(expected["month_start"]).dt.date
    expected = expected.pivot(index="month_start", columns="org_name", values="rate").sort_index()
    pd.testing.assert_frame_equal(
        by_unit[sorted(by_unit.columns)], expected[sorted(expected.columns)], check_names=False
    )


def test_units_ranked_are_their_months_summed(rendered, built):
    months = _snapshot(built, "select org_code, org_name, org_level, numerator, denominator from kpi_complaint_rate")
    summed = months.groupby(["org_code", "org_name", "org_level"], as_index=False)[["numerator", "denominator"]].sum()
    summed["rate"] = summed.numerator / summed.denominator.where(summed.denominator > 0)

    table = _data(rendered, "各级机构投诉指标（全期）").merge(summed, on=["org_code", "org_name", "org_level"])
    assert len(table) == (summed.org_level >= 2).sum()
    assert (table.complaints == table.numerator).all() and (table.policies == table.denominator).all()
    assert table.complaint_rate.sub(table.rate).abs().max() < 1e-12
    assert table.complaint_rate.is_monotonic_increasing  # lowest complaint rate first

    bars = _data(rendered, "分支机构投诉率排名（全期）")
    branches = summed[summed.org_level.isin([2, 3])].set_index("org_name").rate
    assert set(bars.org_name) == set(branches.index)
    assert (bars.set_index("org_name").complaint_rate - branches).abs().max() < 1e-12


def test_hot_spots_are_the_ten_most_frequent_reasons_at_head_office(rendered, built):
    counts = (
        _snapshot(
            built,
            "select dimension_name_zh, sum(complaints_received) as n from kpi_complaint_hotspots "
            "where org_level = 1 and dimension_type = 'reason' group by 1",
        )
        .set_index("dimension_name_zh")
        .n
    )
    shown = (
        _data(rendered, "投诉热点：前十位投诉原因（总公司，全期）").set_index("dimension_name_zh").complaints_received
    )
    assert len(shown) == 10
    assert (shown == counts[shown.index]).all()  # each reason's own count
    assert sorted(shown, reverse=True) == sorted(counts, reverse=True)[:10]  # and no more frequent one left out


def test_the_assessment_and_the_targets_are_the_latest_assessed_quarter(rendered, built):
    quarters = _snapshot(built, "select * from kpi_assessment_quarterly")
    latest = quarters[~quarters.assessment.str.startswith("not_assessed")].period_quarter.max()
    shown = _data(rendered, "季度考核结果（最近考核季度）")
    expected = quarters[quarters.period_quarter == latest]
    assert set(shown.period_quarter) == {latest}
    assert sorted(shown.org_code) == sorted(expected.org_code)
    merged = shown.merge(expected, on="org_code", suffixes=("", "_mart"))
    for column in ("assessment", "promotion_flag", "rule_version"):
        assert (merged[column].fillna("") == merged[f"{column}_mart"].fillna("")).all(), column
    assert (merged.timeliness_rate - merged.timeliness_rate_mart).abs().max() < 1e-12

    # the targets of the rule version that judged head office, read from the rule seed itself
    hq = expected[expected.org_level == 1].iloc[0]
    with open(SEEDS_DIR / "assessment_rules.csv", encoding="utf-8") as f:
        rule = next(r for r in csv.DictReader(f) if r["rule_version"] == hq.rule_version)
    targets = _data(rendered, "总公司考核指标与目标（最近考核季度）").set_index("kpi_name_zh")
    for name, value, target, lower_is_better in [
        ("投诉率", hq.complaint_rate, rule["complaint_rate_target"], True),
        ("投诉处理及时率", hq.timeliness_rate, rule["timeliness_up_min"], False),
        ("客户满意度", hq.satisfaction_rate, rule["satisfaction_up_min"], False),
    ]:
        row = targets.loc[name]
        assert (row.period_quarter, row.kpi_value, row.target) == (latest, pytest.approx(value), float(target))
        gap = float(target) - value if lower_is_better else value - float(target)
        assert row.gap_to_target == pytest.approx(gap)


def test_every_kpi_definition_and_every_column_label_is_readable_in_superset(rendered, api, built):
    catalogue = _data(rendered, "指标定义（KPI 目录）")
    assert set(catalogue.kpi_mart) == set(marts())
    assert catalogue.formula.notna().all() and catalogue.name_zh.notna().all()

    base, session = api
    found = session.get(f"{base}/api/v1/dataset/", params={"q": "(page_size:100)"}).json()["result"]
    datasets = {d["table_name"]: d["id"] for d in found}
    published = set(_snapshot(built, "select table_name from duckdb_tables()").table_name)
    assert published <= set(datasets)
    rate = session.get(f"{base}/api/v1/dataset/{datasets['kpi_complaint_rate']}").json()["result"]
    assert rate["description"].startswith("投诉率 Complaint rate")
    labels = column_labels()
    assert {c["column_name"]: c["verbose_name"] for c in rate["columns"]} == {
        c["column_name"]: labels[c["column_name"]][0] for c in rate["columns"]
    }
    assert {m["metric_name"]: m["verbose_name"] for m in rate["metrics"]}["complaint_rate"] == "投诉率"


def test_sql_lab_reads_the_snapshot_and_nothing_else(api):
    base, session = api
    [database] = session.get(f"{base}/api/v1/database/").json()["result"]

    def run(sql: str) -> dict:
        return session.post(
            f"{base}/api/v1/sqllab/execute/",
            json={"database_id": database["id"], "sql": sql, "runAsync": False, "schema": "main"},
        ).json()

    assert run("select count(*) as n from kpi_complaint_rate")["data"][0]["n"] > 0
    refused = run("select * from read_csv('/etc/passwd')")  # DuckDB's access to other files is off
    assert "data" not in refused and "file system operations are disabled" in str(refused), refused
    written = run("create table mine as select 1 as a")
    assert "data" not in written and written["errors"][0]["error_type"] == "DML_NOT_ALLOWED_ERROR", written


def test_without_superset_installed_kefu_bi_says_to_run_make_bi(tmp_path, monkeypatch):
    import kefu.bi
    from kefu.errors import UserError

    monkeypatch.setattr(kefu.bi, "BI_VENV", tmp_path / ".venv-bi")
    with pytest.raises(UserError, match=r"Superset is not installed: run `make bi`"):
        kefu.bi.superset_installed()
