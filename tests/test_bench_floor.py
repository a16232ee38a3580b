"""The bench's floor is a second, hand-written computation of the head KPIs straight from the
raw lake: at head office it must agree with the published marts row for row. The copy floor
copies the raw lake into tables: every row the load log says was loaded. The bench's dbt
figures are read from the runs' own results."""

import json

import duckdb

from kefu.bench import copy_floor, dbt_run_profile, floor_disagreements, floor_query
from kefu.reconcile import reconcile


def test_floor_equals_the_marts_at_head_office(built):
    con = duckdb.connect()
    con.execute(f"create table floor as {floor_query(built)}")
    compared, differing = floor_disagreements(con, "floor", built.published_file)
    kpis = {k for (k,) in con.execute("select distinct kpi from floor").fetchall()}
    assert kpis == {
        "complaint_rate",
        "timeliness",
        "satisfaction_service_survey",
        "satisfaction_complaint_callback",
        "counter",
        "callbacks",
        "claims",
        "inspections",
        "service_quality_score",
    }
    assert compared >= con.execute("select count(*) from floor where org_code = 'HQ'").fetchone()[0] > 200
    assert not differing, differing[:5]  # a row on one side only differs too


def test_the_copy_floor_copies_every_row_the_load_log_records(built):
    loaded = {}
    for load in reconcile(built).loads:
        loaded[load["entity"]] = loaded.get(load["entity"], 0) + load["rows_loaded"]
    assert copy_floor(built) == loaded
    assert not list(built.home.glob("bench_copy_floor.duckdb*"))  # its scratch file is gone


def test_the_dbt_profile_of_a_run_puts_every_node_in_its_layer(built):
    runs = [p for p in built.dbt_runs.iterdir() if (p / "run_results.json").exists()]
    assert len(runs) >= 2  # the history and the day
    for run in runs:
        results = json.loads((run / "run_results.json").read_text(encoding="utf-8"))
        profile = dbt_run_profile(built, run.name)
        assert {"staging", "core", "marts", "test", "seed"} <= set(profile["node_s"])
        total = sum(r["execution_time"] for r in results["results"])
        assert abs(sum(profile["node_s"].values()) - total) < 0.05 * len(profile["node_s"])
        assert profile["elapsed_s"] == round(results["elapsed_time"], 2) > 0
