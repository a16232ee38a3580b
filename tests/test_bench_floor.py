"""The bench's floor is a second, hand-written computation of the head KPIs straight from the
raw lake: at head office it must agree with the published marts row for row. The copy floor
copies the raw lake into tables: every row the load log says was loaded."""
import duckdb

from kefu.bench import copy_floor, floor_disagreements, floor_query
from kefu.reconcile import reconcile


def test_floor_equals_the_marts_at_head_office(built):
    con = duckdb.connect()
    con.execute(f"create table floor as {floor_query(built)}")
    compared, differing = floor_disagreements(con, "floor", built.published_file)
    kpis = {k for (k,) in con.execute("select distinct kpi from floor").fetchall()}
    assert kpis == {"complaint_rate", "timeliness", "satisfaction_service_survey", "satisfaction_complaint_callback",
                    "counter", "callbacks", "claims", "inspections", "service_quality_score"}
    assert compared >= con.execute("select count(*) from floor where org_code = 'HQ'").fetchone()[0] > 200
    assert not differing, differing[:5]  # a row on one side only differs too


def test_the_copy_floor_copies_every_row_the_load_log_records(built):
    loaded = {}
    for load in reconcile(built).loads:
        loaded[load["entity"]] = loaded.get(load["entity"], 0) + load["rows_loaded"]
    assert copy_floor(built) == loaded
    assert not list(built.home.glob("bench_copy_floor.duckdb*"))  # its scratch file is gone
