"""The daily run is incremental: it rebuilds the months new loads touch, and leaves the rest."""

import json

import duckdb
import pytest

from kefu import build_state
from kefu.build_state import full_rebuild_reason, newest_load, remember_built_with, remember_tested
from kefu.generate import daily_files, daily_files_held_back
from kefu.pipeline import PipelineFailed, run_pipeline
from kefu.sample import PII_COLUMNS, reveal_complainants
from kefu.workarounds import rehome_parse_state
from kefu.workspace import DBT_PROJECT_DIR
from tests.conftest import env
from tests.independent import delivered


def test_daily_run_rebuilds_only_the_months_it_touches_then_a_run_with_nothing_new_builds_nothing(history_copy):
    workspace = history_copy
    daily = daily_files(workspace.landing)
    [daily_events] = [p for p in daily if p.parent.name == "service_events"]
    with duckdb.connect(str(workspace.warehouse_file)) as con:
        touched = {
            m
            for (m,) in con.execute(f"""
            select distinct date_trunc('month', cast(occurred_at as timestamp))::date
            from read_csv('{daily_events}', all_varchar = true)
            union
            select occurred_month from staging.stg_ops__service_events
            where service_event_id in (select event_id from read_csv('{daily_events}', all_varchar = true))
        """).fetchall()
        }
        untouched, marked = con.execute(
            """
            select occurred_month, min(service_event_id) from staging.stg_ops__service_events
            where occurred_month not in (select unnest(?::date[])) group by 1 order by 1 limit 1""",
            [sorted(touched)],
        ).fetchone()
        # a mark a full rebuild would wipe out and an incremental run leaves alone
        con.execute(
            "update staging.stg_ops__service_events set handle_seconds = -1 where service_event_id = ?", [marked]
        )
    assert daily_files(workspace.landing)
    run_pipeline(workspace)

    with duckdb.connect(str(workspace.warehouse_file), read_only=True) as con:
        assert con.execute(
            "select handle_seconds from staging.stg_ops__service_events where service_event_id = ?", [marked]
        ).fetchone() == (-1,), f"{untouched} was rebuilt"
        # the corrections landed: every re-delivered event now has its corrected outcome, once
        corrected = con.execute(f"""
            select count(*), count(*) filter (where s.outcome = d.outcome and s.occurred_at = d.occurred_at::timestamp)
            from read_csv('{daily_events}', all_varchar = true) d
            join staging.stg_ops__service_events s on s.service_event_id = d.event_id""").fetchone()
        assert corrected[0] == corrected[1] > 0

    # the same loads, project and settings: nothing to build, check or publish
    published, dbt_runs = workspace.published_file.stat().st_mtime_ns, sorted(workspace.dbt_runs.iterdir())
    again = run_pipeline(workspace)
    assert {"gx_kpi_marts", "dbt_docs", "published_marts"} <= set(again.skipped) and again.nothing_new
    assert "kefu_dbt_models" in again.step_seconds and not any(k.startswith("marts/") for k in again.materializations)
    assert workspace.published_file.stat().st_mtime_ns == published and sorted(workspace.dbt_runs.iterdir()) == dbt_runs
    # `kefu build --force` then runs everything: test_daily_tests_of_large_tables_read_the_rows_of_untested_loads


def test_rollups_rebuild_only_the_months_whose_fingerprint_changed(history_copy):
    """A rollup month the day does not touch is left alone; a month whose inputs differ from
    what the rollup recorded is rebuilt; when every month's recorded fingerprint differs (as
    after a rule seed changed: the rules' fingerprint is part of each month's), every month
    is rebuilt."""
    workspace = history_copy
    with duckdb.connect(str(workspace.warehouse_file)) as con:
        first, second = [
            m
            for (m,) in con.execute(
                "select distinct occurred_month from core.int_counter_days order by 1 limit 2"
            ).fetchall()
        ]
        # marks in a column no check reads: a rebuilt month loses them
        con.execute("update core.int_counter_days set standard_version = 'UNTOUCHED' where occurred_month = ?", [first])
        con.execute(
            "update core.int_counter_days set standard_version = 'STALE', input_fingerprint = 'stale' "
            "where occurred_month = ?",
            [second],
        )
        # as if the satisfied rule had been another when these rows were built
        con.execute(
            "update core.int_survey_days set satisfaction_rule_version = 'OLD RULE', "
            "input_fingerprint = input_fingerprint || 'x'"
        )
    run_pipeline(workspace)
    with duckdb.connect(str(workspace.warehouse_file), read_only=True) as con:
        marks = dict(
            con.execute(
                "select standard_version, count(*) from core.int_counter_days "
                "where standard_version in ('UNTOUCHED', 'STALE') group by 1"
            ).fetchall()
        )
        assert marks.get("UNTOUCHED", 0) > 0 and "STALE" not in marks
        assert con.execute(
            "select count(*) from core.int_survey_days where satisfaction_rule_version = 'OLD RULE'"
        ).fetchone() == (0,)


def _newest_dbt_run(ws):
    return max((p for p in ws.dbt_runs.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)


def _compiled_test(ws, name: str) -> str:
    results = json.loads((_newest_dbt_run(ws) / "run_results.json").read_text())["results"]
    [code] = [r["compiled_code"] for r in results if r["unique_id"].startswith(f"test.kefu.{name}.")]
    return code


def saved_by_another_checkout(ws) -> None:
    """Make the workspace's dbt parse state look saved by a checkout of the project elsewhere
    (another clone, a moved one; under pytest-xdist it may be the other worker's copy anyway)."""
    [state] = ws.dbt_runs.glob("partial_parse.duckdb.msgpack")
    where = state.with_suffix(".where.json")
    saved = json.loads(where.read_text())
    rehome_parse_state(state, saved["project"], "/elsewhere/dbt_project")
    where.write_text(json.dumps({**saved, "project": "/elsewhere/dbt_project"}))
    assert str(DBT_PROJECT_DIR) not in state.read_bytes().decode("utf-8", "replace")


def test_daily_tests_of_large_tables_read_the_rows_of_untested_loads(history_copy):
    """A daily run tests the large tables' rows that loads since the last passing build
    brought; every row is tested on a full-scope run (KEFU_TEST_SCOPE=all), as on the first
    build and after any change to the project. The daily run starts from the parse state of
    the one before (partial parsing)."""
    not_null = "not_null_stg_ops__service_events_service_event_id"
    workspace = history_copy
    assert "load_id >" not in _compiled_test(workspace, not_null)
    history = newest_load(workspace)
    saved_by_another_checkout(workspace)
    run_pipeline(workspace)
    assert f"load_id > '{history}'" in _compiled_test(workspace, not_null)
    # the copy's first run too: the history's parse state was saved in another folder, which
    # the profile names, by another checkout of the project (kefu.workarounds.rehome_parse_state)
    log = (_newest_dbt_run(workspace) / "dbt.log").read_text()
    assert "Unable to do partial parsing" not in log  # an info-level message ...
    assert '"name": "SQLQuery"' not in log  # ... in a log at info level: no debug events (each statement's SQL)
    assert (
        b"/elsewhere/" not in (workspace.dbt_runs / "partial_parse.duckdb.msgpack").read_bytes()
    )  # (seeds load from it)
    day = newest_load(workspace)

    def break_a_row(loads: str) -> None:
        with duckdb.connect(str(workspace.warehouse_file)) as con:
            con.execute(f"""update staging.stg_ops__service_events set service_event_id = null
                            where service_event_id = (select min(service_event_id) from staging.stg_ops__service_events
                                                      where {loads})""")

    break_a_row(f"load_id <= '{history}'")  # a row the history's build tested
    published = workspace.published_file.stat().st_mtime_ns
    with env(KEFU_FORCE_BUILD="1"):  # nothing is new: forced, as `kefu build --force`
        forced = run_pipeline(workspace)  # the daily scope does not read it again ...
    assert not forced.nothing_new and workspace.published_file.stat().st_mtime_ns != published  # and republishes
    assert f"load_id > '{day}'" in _compiled_test(workspace, not_null)
    # another scope reaches dbt without changing what it parsed: it re-parses nothing
    assert "Unable to do partial parsing" not in (_newest_dbt_run(workspace) / "dbt.log").read_text()
    with env(KEFU_TEST_SCOPE="all"), pytest.raises(PipelineFailed, match=not_null):
        run_pipeline(workspace)  # ... a full-scope run does

    remember_tested(workspace, history)  # as if the day's loads had not been tested yet
    break_a_row(f"load_id > '{history}'")
    with env(KEFU_FORCE_BUILD="1"), pytest.raises(PipelineFailed, match=not_null):
        run_pipeline(workspace)


def test_a_changed_pii_key_rehashes_every_stored_customer_key(history_copy):
    """The staging tables that hash customer identifiers are incremental: after a key
    rotation the daily run must rebuild them whole, or a complainant's old and new complaints
    would carry different keys (and stop counting as repeat complaints)."""
    workspace = history_copy
    with env(KEFU_PII_KEY="a-rotated-key"):
        run_pipeline(workspace)
    with duckdb.connect(str(workspace.warehouse_file), read_only=True) as con:
        for extract, key in (("complaints", "complaint_id"), ("policies", "policy_no")):
            stale, rows = con.execute(f"""
                with raw as (
                    select {key}, customer_id_no from read_parquet('{workspace.raw / extract}/*.parquet')
                    qualify row_number() over (partition by {key} order by _load_id desc, _source_row desc) = 1)
                select count(*) filter (where staged.customer_key is distinct from
                                              sha256('a-rotated-key|' || raw.customer_id_no)), count(*)
                from staging.stg_ops__{extract} staged inner join raw using ({key})""").fetchone()
            assert rows > 0 and stale == 0, f"{stale} of {rows} {extract} keep a key hashed with the old PII key"
    # the vault is keyed by the lake's tokens, not by the PII key: after the rotation an
    # inspector's lookup still gives every complainant's clear values, nothing lost
    landed = delivered(workspace.landing, "complaints").drop_duplicates("complaint_id", keep="last")
    drawn = landed.sample(5, random_state=1)[["complaint_id"]]
    revealed = reveal_complainants(workspace, drawn, "after a PII key rotation").set_index("complaint_id")
    for row in landed.set_index("complaint_id").loc[drawn.complaint_id].itertuples():
        assert list(revealed.loc[row.Index, PII_COLUMNS]) == [getattr(row, c) for c in PII_COLUMNS]


def test_complaint_months_are_rebuilt_when_a_previous_complaint_changes(history_copy):
    """fct_complaints is kept by month of receipt. A complaint that arrives late, between two
    of its complainant's others, changes the later one's previous complaint, in a month whose
    own complaints and events did not change: that month is rebuilt too; others are left."""
    workspace = history_copy
    with duckdb.connect(str(workspace.warehouse_file)) as con:
        untouched, changed = [
            m
            for (m,) in con.execute(
                "select distinct received_month from core.fct_complaints order by 1 limit 2"
            ).fetchall()
        ]
        # as if the previous complaint the month was built with had since been superseded
        con.execute(
            """update core.fct_complaints set previous_complaint_id = 'SUPERSEDED'
                       where complaint_id = (select min(complaint_id) from core.fct_complaints
                                             where received_month = ? and previous_complaint_id is not null)""",
            [changed],
        )
        # a mark in a column no check reads: a rebuilt month loses it
        con.execute("update core.fct_complaints set source_file = 'UNTOUCHED' where received_month = ?", [untouched])
    run_pipeline(workspace)
    with duckdb.connect(str(workspace.warehouse_file), read_only=True) as con:
        marks = dict(
            con.execute("""select source_file = 'UNTOUCHED', count(*) from core.fct_complaints
                                    where previous_complaint_id = 'SUPERSEDED' or source_file = 'UNTOUCHED'
                                    group by 1""").fetchall()
        )
        assert marks.get(True, 0) > 0, f"{untouched} was rebuilt"
        assert False not in marks, f"{changed} kept a previous complaint that is no longer its previous one"


def test_a_warehouse_of_an_older_layout_or_pii_key_is_rebuilt_whole(workspace, monkeypatch):
    """A model that became incremental cannot read state an older warehouse's table lacks
    (its month and fingerprint columns): such a warehouse gets one full rebuild, as after a
    PII key rotation. A warehouse that recorded neither was built before the checks."""
    assert full_rebuild_reason(workspace) is None  # nothing built yet: a first build is full anyway
    workspace.warehouse_file.touch()
    assert "not recorded" in full_rebuild_reason(workspace)
    remember_built_with(workspace)
    assert full_rebuild_reason(workspace) is None
    monkeypatch.setattr(build_state, "WAREHOUSE_LAYOUT", build_state.WAREHOUSE_LAYOUT + 1)
    assert "layout" in full_rebuild_reason(workspace)
    remember_built_with(workspace)
    with env(KEFU_PII_KEY="a-rotated-key"):
        assert "PII key" in full_rebuild_reason(workspace)


def test_a_new_load_of_the_org_tree_or_staff_tests_every_row_again(workspace):
    """A new version of the org tree can close a unit before an old record's day (and the
    staff extract move people): the tests scoped to new loads then read every row again."""
    workspace.warehouse_file.touch()
    remember_tested(workspace, "20260101T000000000000-aaaaaaaa")

    def land(extract: str, load_id: str) -> None:
        (workspace.loads / extract).mkdir(parents=True, exist_ok=True)
        (workspace.loads / extract / f"{load_id}.parquet").touch()

    land("org_units", "20251231T000000000000-bbbbbbbb")  # tested already
    land("service_events", "20260102T000000000000-cccccccc")  # a fact's new load keeps the scope
    assert build_state.tests_after_load(workspace) == "20260101T000000000000-aaaaaaaa"
    land("org_units", "20260102T000000000000-dddddddd")
    assert build_state.tests_after_load(workspace) is None


def test_a_corrected_policy_rebuilds_the_segment_month_of_its_complaints(history_copy):
    """kpi_complaint_rate_by_segment finds a complaint's sales channel through its policy. A
    policy re-delivered with another channel changes an old complaint month whose complaints
    did not change: the mart rebuilds that month from the corrected policy."""
    workspace = history_copy
    with duckdb.connect(str(workspace.warehouse_file)) as con:
        month, policy_no, channel = con.execute("""
            select c.received_month, p.policy_no, p.sales_channel
            from core.fct_complaints c join staging.stg_ops__policies p on p.policy_no = c.policy_no
            where c.received_month = (select min(received_month) from core.fct_complaints)
            order by p.policy_no limit 1""").fetchone()
        other = con.execute(
            "select min(sales_channel) from staging.stg_ops__policies where sales_channel <> ?", [channel]
        ).fetchone()[0]
        complaints_fingerprint = _complaint_fingerprint(con, month)
        # as a later load re-delivering the policy would leave it: another channel, a newer load
        con.execute(
            """update staging.stg_ops__policies set sales_channel = ?,
                       load_id = (select max(load_id) from staging.stg_ops__policies) || '-corrected'
                       where policy_no = ?""",
            [other, policy_no],
        )
    run_pipeline(workspace)
    with duckdb.connect(str(workspace.warehouse_file), read_only=True) as con:
        assert _complaint_fingerprint(con, month) == complaints_fingerprint, "the complaints of the month changed"
        expected = dict(
            con.execute(
                """
            select coalesce(p.sales_channel, 'unknown'), count(*) from core.fct_complaints c
            left join staging.stg_ops__policies p on p.policy_no = c.policy_no
            where c.received_month = ? group by 1""",
                [month],
            ).fetchall()
        )
        actual = dict(
            con.execute(
                """
            select segment_value, numerator from marts.kpi_complaint_rate_by_segment
            where org_level = 1 and month_start = ? and segment_type = 'sales_channel' and numerator > 0""",
                [month],
            ).fetchall()
        )
        assert actual == expected


def _complaint_fingerprint(con, month):
    return con.execute(
        "select distinct input_fingerprint from core.fct_complaints where received_month = ?", [month]
    ).fetchall()


def test_hotspots_rebuild_the_months_that_compare_with_a_changed_month(history_copy):
    """kpi_complaint_hotspots compares each month with the month before and the same month a
    year before: a change to one month's complaints rebuilds it, the month after and the month
    a year after; a month comparing with none of them is left alone."""
    workspace = history_copy
    with duckdb.connect(str(workspace.warehouse_file)) as con:
        # the first month, the months that compare with it, and one that compares with neither
        changed, after, a_year_after, unrelated = con.execute("""
            select m, cast(m + interval 1 month as date), cast(m + interval 12 month as date),
                   cast(m + interval 2 month as date)
            from (select min(received_month) as m from core.fct_complaints)""").fetchone()
        # as a later load correcting a complaint's channel would leave it
        con.execute(
            """update staging.stg_ops__complaints set channel_code = (
                           select min(channel_code) from staging.stg_ops__complaints c
                           where c.channel_code <> stg_ops__complaints.channel_code),
                       load_id = (select max(load_id) from staging.stg_ops__complaints) || '-corrected'
                       where complaint_id = (select min(complaint_id) from staging.stg_ops__complaints
                                             where received_month = ?)""",
            [changed],
        )
        # a mark in a column no check reads: a rebuilt month loses it
        con.execute("update marts.kpi_complaint_hotspots set dimension_name_zh = 'UNTOUCHED'")
    run_pipeline(workspace)
    with duckdb.connect(str(workspace.warehouse_file), read_only=True) as con:
        untouched = {
            m
            for (m,) in con.execute("""select distinct month_start from marts.kpi_complaint_hotspots
                                                  where dimension_name_zh = 'UNTOUCHED'""").fetchall()
        }
        rebuilt = [changed, after, a_year_after]
        assert not untouched & set(rebuilt)
        assert unrelated in untouched
        stale = con.execute(
            """
            select count(*) from marts.kpi_complaint_hotspots later
            join marts.kpi_complaint_hotspots earlier using (org_code, dimension_type, dimension_value)
            where earlier.month_start = ?
              and ((later.month_start = ? and later.previous_month is distinct from earlier.complaints_received)
                or (later.month_start = ? and later.same_month_last_year is distinct from earlier.complaints_received))""",
            rebuilt,
        ).fetchone()[0]
        assert stale == 0


def test_a_late_callback_rebuilds_the_month_of_its_policy_when_the_policy_is_in_scope(history_copy):
    """fct_new_policy_callbacks is kept by month of underwriting. A callback that reaches an
    old in-scope policy rebuilds that policy's month; a callback of a policy outside the
    commitment's scope (another line of business) cannot change a row and rebuilds nothing."""
    workspace = history_copy
    with duckdb.connect(str(workspace.warehouse_file)) as con:
        # the oldest months: the day's corrections concern the last two
        first, in_scope = con.execute("""select underwritten_month, min(policy_no) from core.fct_new_policy_callbacks
                                         where not is_reached group by 1 order by 1 limit 1""").fetchone()
        second, out_of_scope = con.execute(
            """
            select underwritten_month, min(policy_no) from staging.stg_ops__policies
            where underwritten_month <> ? and product_line not in (select product_line from rules.new_policy_callback_scope)
            group by 1 order by 1 limit 1""",
            [first],
        ).fetchone()
        # as a later load would leave them: a reached callback for each policy, on its day of underwriting
        con.execute(
            """insert into staging.stg_ops__policy_callbacks
                       select 'LATE-' || p.policy_no, p.policy_no, p.org_code, null, 'reached',
                              cast(p.underwritten_on as timestamp), p.underwritten_month,
                              (select max(load_id) from staging.stg_ops__policy_callbacks) || '-late', 'late.csv', 1
                       from staging.stg_ops__policies p where p.policy_no in (?, ?)""",
            [in_scope, out_of_scope],
        )
        # a mark in a column no check reads: a rebuilt month loses it
        con.execute(
            "update core.fct_new_policy_callbacks set source_file = 'UNTOUCHED' where underwritten_month = ?", [second]
        )
    run_pipeline(workspace)
    with duckdb.connect(str(workspace.warehouse_file), read_only=True) as con:
        assert con.execute(
            "select is_reached, is_called_back_in_time from core.fct_new_policy_callbacks where policy_no = ?",
            [in_scope],
        ).fetchone() == (True, True)
        assert con.execute(
            "select bool_and(source_file = 'UNTOUCHED') from core.fct_new_policy_callbacks "
            "where underwritten_month = ?",
            [second],
        ).fetchone() == (True,), f"{second} was rebuilt"


# Each large extract as staged: its table, its timestamp or date, its month.
DATED_EXTRACTS = [
    ("stg_ops__service_events", "occurred_at", "occurred_month"),
    ("stg_ops__complaints", "received_at", "received_month"),
    ("stg_ops__policies", "underwritten_on", "underwritten_month"),
    ("stg_ops__survey_responses", "surveyed_at", "surveyed_month"),
    ("stg_ops__claims", "reported_at", "reported_month"),
    ("stg_ops__quality_inspections", "inspected_at", "inspected_month"),
]
# Every model kept by month, with its month column (the marts: those kept by month on DuckDB).
MONTH_KEPT = [
    ("core", "int_counter_days", "occurred_month"),
    ("core", "int_rating_days", "rated_month"),
    ("core", "int_staff_rating_months", "rated_month"),
    ("core", "int_survey_days", "surveyed_month"),
    ("core", "int_policy_days", "underwritten_month"),
    ("core", "fct_new_policy_callbacks", "underwritten_month"),
    ("core", "int_complaint_milestones", "received_month"),
    ("core", "fct_complaint_stages", "received_month"),
    ("core", "int_complaint_regulator_deadlines", "received_month"),
    ("core", "fct_complaints", "received_month"),
    ("core", "bridge_complaint_product", "received_month"),
    ("core", "bridge_complaint_reason", "received_month"),
    ("core", "fct_claims", "reported_month"),
    ("core", "fct_quality_inspections", "inspected_month"),
    ("marts", "kpi_complaint_rate_by_segment", "month_start"),
    ("marts", "kpi_complaint_hotspots", "month_start"),
    ("marts", "kpi_repeat_complaints", "month_start"),
    ("marts", "kpi_complaint_stage_timeliness", "month_start"),
    ("marts", "kpi_service_quality_dimensions", "month_start"),
    ("marts", "kpi_service_quality_score_by_line", "month_start"),
]


def _move_first_days(con, months: int) -> None:
    """As a later load correcting dates would leave the staging tables: every row of each
    extract's first day moved by ``months`` months (and back again with -months)."""
    for table, dated, month in DATED_EXTRACTS:
        con.execute(f"""
            update staging.{table}
            set {dated} = {dated} + interval ({months}) month,
                {month} = cast(date_trunc('month', {dated} + interval ({months}) month) as date),
                load_id = (select max(load_id) from staging.{table}) || '-moved'
            where cast({dated} as date) = (select min(cast({dated} as date)) from staging.{table})""")


def _months_by_model(con) -> dict:
    return {
        table: {m for (m,) in con.execute(f"select distinct {column} from {schema}.{table}").fetchall()}
        for schema, table, column in MONTH_KEPT
    }


def test_a_month_left_without_rows_is_dropped(history_copy):
    """A correction can move every row of a month to another (a mistyped date put right). A
    run replaces the months it writes rows for; a month the inputs no longer have a row for
    must go too, as a full build would not have it. Here the rows of each extract's first
    day move a month back, into a month it had no row in, then return: every model kept by
    month gains a month, then holds the months it held before, no more."""
    workspace = history_copy
    # the rows move in the warehouse, behind the loads' backs: runs with no new load, forced
    with daily_files_held_back(workspace.landing), env(KEFU_FORCE_BUILD="1"):
        with duckdb.connect(str(workspace.warehouse_file)) as con:
            before = _months_by_model(con)
            _move_first_days(con, -1)
        run_pipeline(workspace)
        with duckdb.connect(str(workspace.warehouse_file)) as con:
            moved = _months_by_model(con)
            assert not [table for table in moved if not moved[table] - before[table]], moved
            _move_first_days(con, 1)
        run_pipeline(workspace)
    with duckdb.connect(str(workspace.warehouse_file), read_only=True) as con:
        after = _months_by_model(con)
        stale = {table: sorted(after[table] - before[table]) for table in after if after[table] != before[table]}
        assert not stale, f"months kept that no input row is in: {stale}"
