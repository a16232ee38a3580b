"""The bench's floor is a second, hand-written computation of the head KPIs straight from the
raw lake: at head office it must agree with the published marts row for row."""
import duckdb

from kefu.bench import floor_disagreements, floor_query


def test_floor_equals_the_marts_at_head_office(built):
    con = duckdb.connect()
    con.execute(f"create table floor as {floor_query(built)}")
    compared, differing = floor_disagreements(con, "floor", built.published_file)
    kpis = {k for (k,) in con.execute("select distinct kpi from floor").fetchall()}
    assert kpis == {"complaint_rate", "timeliness", "satisfaction_service_survey", "satisfaction_complaint_callback",
                    "counter", "callbacks", "claims", "inspections", "service_quality_score"}
    assert compared >= con.execute("select count(*) from floor where org_code = 'HQ'").fetchone()[0] > 200
    assert not differing, differing[:5]  # a row on one side only differs too
