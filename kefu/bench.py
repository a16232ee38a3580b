"""`kefu bench`: the pipeline against its floor, as ratios measured in one run.

The floor is one hand-written DuckDB query that computes the same KPIs straight from the raw
Parquet lake (org unit × month, rolled up the current tree): complaint rate, on-time
handling, satisfaction, the weighted score over survey and inspection ratings, counter
timeliness, new-policy callbacks, the claims commitment and forbidden-phrase inspections.
Like the marts, it reads each extract's latest load per key (a correction replaces the row
it corrects), so at head office its figures are the marts' figures: the bench reports how
many agree, and tests/test_bench_floor.py requires all of them. It skips what else a
warehouse adds — typing with quarantine, history of the tree, every stage and the
regulator's deadlines, breakdowns, tests, checks — so pipeline ÷ floor is what the
warehouse costs over the bare computation. Figures are printed, never asserted in tests.

The copy floor is the least any build that keeps state for incremental runs does: every raw
row copied, as it is, into tables of a DuckDB file (no de-duplication, no modelling). copy ÷
floor says how much of build ÷ floor no design that stores the rows can win back.
"""

from __future__ import annotations

import json
import os
import resource
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import duckdb

from kefu.contracts import contract, contracts
from kefu.generate import daily_files_held_back, generate
from kefu.ingest import Ingestor
from kefu.pipeline import run_pipeline
from kefu.workspace import SEEDS_DIR, Workspace

FLOOR_SQL = """
with recursive
orgs as (select org_code, parent_code from {org_units}
         qualify row_number() over (partition by org_code order by effective_from desc) = 1),
tree(org_code, ancestor) as (
    select org_code, org_code from orgs
    union all
    select tree.org_code, orgs.parent_code from tree join orgs on orgs.org_code = tree.ancestor
    where orgs.parent_code is not null),
exceptions as (select * from read_csv('{seeds}/cn_calendar_days.csv')),
coverage as (select * from read_csv('{seeds}/calendar_coverage.csv')),
days as (
    select d::date as day,
           case when e.day_type = 'holiday' then false when e.day_type = 'makeup_workday' then true
                else isodow(d) <= 5 end as workday
    from coverage, generate_series(coverage.first_day, coverage.last_day, interval 1 day) g(d)
    left join exceptions e on e.date_day = d::date),
cal as (select day, workday, sum(workday::int) over (order by day) as seq from days),
last_event as (
    select complaint_id, arg_max(event_type, event_seq) filter (where event_type in ('closed', 'reopened')) as last_type,
           max(event_at) filter (where event_type = 'closed') as closed_at
    from {complaint_events} group by complaint_id),
rules as (select * from read_csv('{seeds}/complaint_deadlines.csv')
           where stage = 'close' and calendar = 'cn_workdays'),
regulator as (
    select effective_from, effective_to, max(days) filter (where tier = 'base')::int as base,
           max(days) filter (where tier = 'extended')::int as extended,
           max(days) filter (where tier = 'approved')::int as approved
    from read_csv('{seeds}/regulator_complaint_deadlines.csv') where complaints_under = 'cn_workdays' group by all),
told as (
    select complaint_id, min(event_at) filter (where event_type = 'feedback')::date as feedback,
           min(event_at) filter (where event_type = 'extended')::date as extended,
           min(event_at) filter (where event_type = 'extension_approved')::date as approved
    from {complaint_events} group by complaint_id),
complaint_facts as (
    -- on time by the company's rule in force at receipt and, where the regulator's governs, by its
    -- deadline: 15 days, 30 when extended by then, 60 when that extension was approved by day 30
    select c.org_code, date_trunc('month', c.received_at)::date as month,
           (l.last_type = 'closed' and l.closed_at::date <= dl.day
            and (g.base is null or coalesce(t.feedback <= c.received_at::date + case
                when t.extended <= c.received_at::date + g.base
                     and t.approved <= c.received_at::date + g.extended then g.approved
                when t.extended <= c.received_at::date + g.base then g.extended
                else g.base end, false)))::int as on_time
    from {complaints} c
    left join last_event l using (complaint_id)
    left join told t using (complaint_id)
    join rules r on r.complaint_class = c.complaint_class
        and c.received_at::date between r.effective_from and coalesce(try_cast(r.effective_to as date), date '9999-12-31')
    left join regulator g
        on c.received_at::date between g.effective_from and coalesce(try_cast(g.effective_to as date), date '9999-12-31')
    join cal rc on rc.day = c.received_at::date
    join cal dl on dl.workday and dl.seq = rc.seq + r.days),
policies as (select * from {policies}),
surveys as (select * from {survey_responses}),
satisfied as (select * from read_csv('{seeds}/satisfaction_answers.csv')),
scale as (select * from read_csv('{seeds}/sq_rating_scale.csv')),
items as (select * from read_csv('{seeds}/sq_items.csv')),
weights as (select * from read_csv('{seeds}/sq_weights.csv') where line_of_business = 'all'),
inspections as (select * from {quality_inspections}),
source_weights as (select * from read_csv('{seeds}/sq_source_weights.csv')),
ratings as (
    select org_code, month, items.dimension_code as dimension, 'survey' as rating_source, rating
    from (unpivot (select org_code, date_trunc('month', surveyed_at)::date as month,
                          attitude, timeliness, professionalism, convenience, satisfaction from surveys)
          on attitude, timeliness, professionalism, convenience, satisfaction into name question value rating) s
    join items on items.item_code = 'survey_' || s.question
    union all
    select i.org_code, date_trunc('month', i.inspected_at)::date, items.dimension_code, i.inspection_type, r.rating
    from {inspection_items} r
    join inspections i using (inspection_id) join items using (item_code)),
counter as (
    select s.org_code, date_trunc('month', s.occurred_at)::date as month, s.outcome = 'completed' as completed,
           s.outcome = 'completed' and s.wait_seconds <= st.max_wait_minutes * 60
               and s.handle_seconds <= st.max_handle_minutes * 60 as within
    from {service_events} s
    join read_csv('{seeds}/counter_standards.csv') st using (business_type)
    where s.channel = 'counter'),
callbacks as (
    select p.org_code, date_trunc('month', p.underwritten_on)::date as month,
           min(c.called_at) filter (where c.result = 'reached') <= p.underwritten_on + interval 15 day as in_time
    from policies p left join {policy_callbacks} c using (policy_no)
    where p.product_line = '寿险' and p.is_long_term group by p.org_code, p.policy_no, p.underwritten_on),
claims as (
    select c.org_code, date_trunc('month', c.documents_complete_at)::date as month,
           c.decided_at::date <= dl.day as on_time
    from {claims} c
    join cal rc on rc.day = c.documents_complete_at::date
    join cal dl on dl.workday and dl.seq = rc.seq + 3
    where not c.investigation_required),
rates as (
    select t.ancestor as org_code, f.month, 'complaint_rate' as kpi, count(*) as numerator, 0 as denominator
    from complaint_facts f join tree t using (org_code) group by all
    union all
    select t.ancestor, date_trunc('month', p.underwritten_on)::date, 'complaint_rate', 0, count(*)
    from policies p join tree t using (org_code) group by all
    union all
    select t.ancestor, f.month, 'timeliness', sum(on_time), count(*) from complaint_facts f join tree t using (org_code)
    group by all
    union all
    select t.ancestor, date_trunc('month', s.surveyed_at)::date, 'satisfaction_' || s.survey_type,
           count(*) filter (where s.contact_result = 'reached' and a.is_satisfied),
           count(*) filter (where s.contact_result = 'reached')
    from surveys s join tree t using (org_code) left join satisfied a on a.answer = s.overall group by all
    union all
    select t.ancestor, c.month, 'counter', count(*) filter (where within), count(*) filter (where completed)
    from counter c join tree t using (org_code) group by all
    union all
    select t.ancestor, c.month, 'callbacks', count(*) filter (where in_time), count(*)
    from callbacks c join tree t using (org_code) group by all
    union all
    select t.ancestor, c.month, 'claims', count(*) filter (where on_time), count(*)
    from claims c join tree t using (org_code) group by all
    union all
    select t.ancestor, date_trunc('month', i.inspected_at)::date, 'inspections',
           count(*) filter (where i.forbidden_phrase_hits = 0), count(*)
    from inspections i join tree t using (org_code) group by all),
source_scores as (
    select t.ancestor as org_code, r.month, r.dimension, r.rating_source, sum(sc.points) / sum(sc.max_points) as share
    from ratings r join scale sc using (rating) join tree t using (org_code) group by all),
dimension_scores as (  -- each source by its weight in the dimension, over the sources rated
    select s.org_code, s.month, s.dimension, sum(w.weight * s.share) / sum(w.weight) as share
    from source_scores s join source_weights w on w.dimension_code = s.dimension and w.rating_source = s.rating_source
        and s.month between w.effective_from and coalesce(try_cast(w.effective_to as date), date '9999-12-31')
    group by all)
select org_code, month, kpi, sum(numerator) as numerator, sum(denominator) as denominator
from rates group by all
union all
select org_code, month, 'service_quality_score', round(100 * sum(share * w.weight), 6), count(*)
from dimension_scores d join weights w on w.dimension_code = d.dimension
    and d.month between w.effective_from and coalesce(w.effective_to, date '9999-12-31')
group by all
"""


# The marts' head-office rows in the floor's shape: kpi, month, numerator, denominator
MARTS_AT_HQ = """
select 'complaint_rate' as kpi, month_start as month, numerator, denominator from m.kpi_complaint_rate where org_code = 'HQ'
union all select 'timeliness', month_start, numerator, denominator from m.kpi_complaint_timeliness where org_code = 'HQ'
union all select 'satisfaction_' || survey_type, month_start, numerator, denominator
          from m.kpi_satisfaction where org_code = 'HQ'
union all select 'counter', month_start, sum(numerator), sum(denominator)
          from m.kpi_counter_timeliness where org_code = 'HQ' group by all
union all select 'callbacks', month_start, numerator, denominator from m.kpi_new_policy_callbacks where org_code = 'HQ'
union all select 'claims', month_start, numerator, denominator from m.kpi_claim_timeliness where org_code = 'HQ'
union all select 'inspections', month_start, sum(numerator), sum(denominator)
          from m.kpi_quality_inspections where org_code = 'HQ' group by all
union all select 'service_quality_score', month_start, score, null from m.kpi_service_quality_score where org_code = 'HQ'
"""


def floor_disagreements(con: duckdb.DuckDBPyConnection, floor_table: str, published: Path) -> tuple[int, list]:
    """Compare the floor with the published marts where the two must agree whatever the
    tree's history: at head office (the floor rolls up today's tree, the marts the tree of
    each record's day). Returns the rows compared and those that differ (kpi, month, floor
    numerator/denominator, marts numerator/denominator); the score compares numerators only."""
    con.execute(f"attach '{published}' as m (read_only)")
    try:
        return con.execute(f"""
            with f as (select kpi, month, numerator, denominator from {floor_table} where org_code = 'HQ'),
            joined as (select kpi, month, f.numerator as fn, f.denominator as fd, mk.numerator as mn, mk.denominator as md
                       from f full join ({MARTS_AT_HQ}) mk using (kpi, month)),
            compared as (  -- a rate with no row on one side counts 0 of 0 there; a score must exist on both
                select kpi, month,
                       case when kpi = 'service_quality_score' then fn else coalesce(fn, 0) end as floor_numerator,
                       case when kpi = 'service_quality_score' then fd else coalesce(fd, 0) end as floor_denominator,
                       case when kpi = 'service_quality_score' then mn else coalesce(mn, 0) end as marts_numerator,
                       case when kpi = 'service_quality_score' then fd else coalesce(md, 0) end as marts_denominator
                from joined)
            select count(*), list((kpi, month, floor_numerator, floor_denominator, marts_numerator, marts_denominator)
                                  order by kpi, month)
                       filter (where floor_numerator is distinct from marts_numerator
                               or floor_denominator is distinct from marts_denominator)
            from compared""").fetchone()
    finally:
        con.execute("detach m")


def _latest_rows(ws: Workspace, entity: str) -> str:
    """An extract's rows, the latest load per key (its contract's grain): a correction replaces
    the row it corrects, or the figures would not be the marts' figures."""
    keys = ", ".join(contract(entity).grain)
    return (
        f"(select * from read_parquet('{ws.raw}/{entity}/*.parquet') qualify row_number() over "
        f"(partition by {keys} order by _load_id desc, _source_row desc) = 1)"
    )


def _duckdb_config() -> dict[str, str]:
    """The dbt profile's memory cap (KEFU_DUCKDB_MEMORY_LIMIT), so the floors run as dbt does."""
    return {"memory_limit": os.environ.get("KEFU_DUCKDB_MEMORY_LIMIT", "4GB")}


def floor_query(ws: Workspace) -> str:
    return FLOOR_SQL.format(seeds=SEEDS_DIR, **{entity: _latest_rows(ws, entity) for entity in contracts()})


def copy_floor(ws: Workspace) -> dict[str, int]:
    """Copy every raw extract as it is into a table of a scratch DuckDB file (deleted after).
    Returns the rows copied per extract."""
    path = ws.home / "bench_copy_floor.duckdb"
    copied = {}
    try:
        with duckdb.connect(str(path), config=_duckdb_config()) as con:
            for entity in sorted(contracts()):
                if not any((ws.raw / entity).glob("*.parquet")):
                    continue
                con.execute(
                    f"create table {entity} as "
                    f"select * from read_parquet('{ws.raw}/{entity}/*.parquet', union_by_name = true)"
                )
                copied[entity] = con.execute(f"select count(*) from {entity}").fetchone()[0]
            con.execute("checkpoint")  # on disk, as a build's tables are
    finally:
        for leftover in (path, path.with_name(path.name + ".wal")):
            leftover.unlink(missing_ok=True)
    return copied


def _peak_rss_gib(who: int) -> float:
    """Peak resident memory so far of this process (RUSAGE_SELF: generation, ingest, checks,
    the floor) or of its largest finished child (RUSAGE_CHILDREN: dbt), in GiB."""
    return round(resource.getrusage(who).ru_maxrss / 1024 / 1024, 2)


def run_bench(scale: float, seed: int, home: Path | None = None) -> dict:
    """Generate; load and build two years of history (the full build); load the last day's
    extracts with their corrections and build again (the daily incremental run); then the
    floor and the copy floor over the same raw lake."""
    ws = Workspace(home or Path(tempfile.mkdtemp(prefix="kefu-bench-"))).ensure()
    ws.activate()
    t = time.perf_counter()
    rows = generate(scale, seed, ws.landing)
    generate_s = time.perf_counter() - t

    with daily_files_held_back(ws.landing):
        t = time.perf_counter()
        Ingestor(ws).ingest_landing()
        ingest_s = time.perf_counter() - t
        t = time.perf_counter()
        build = run_pipeline(ws)  # nothing new to ingest: dbt build with its tests, GX checks, publish
        build_s = time.perf_counter() - t
    # ru_maxrss only grows: reading it after each phase tells which phase set the peak
    peaks = {"generate_ingest": _peak_rss_gib(resource.RUSAGE_SELF)}

    t = time.perf_counter()
    daily = run_pipeline(ws)  # the Dagster job as scheduled: ingest the day, incremental dbt, checks, publish
    daily_s = time.perf_counter() - t
    peaks["dbt"] = _peak_rss_gib(resource.RUSAGE_CHILDREN)

    t = time.perf_counter()
    con = duckdb.connect(config=_duckdb_config())
    con.execute(f"create temp table floor as {floor_query(ws)}")
    floor_s = time.perf_counter() - t
    floor_rows = con.execute("select count(*) from floor").fetchone()[0]
    compared, differing = floor_disagreements(con, "floor", ws.published_file)
    peaks["checks_floor"] = _peak_rss_gib(resource.RUSAGE_SELF)  # also GX checks and publish
    con.close()

    t = time.perf_counter()
    copy_floor(ws)
    copy_s = time.perf_counter() - t
    peaks["copy_floor"] = _peak_rss_gib(resource.RUSAGE_SELF)

    total_rows = sum(rows.values())
    pipeline_s = ingest_s + build_s
    build_dbt, daily_dbt = dbt_run_profile(ws, build.run_id), dbt_run_profile(ws, daily.run_id)
    daily_outside_dbt_s = daily_s - daily_dbt["elapsed_s"]
    return {
        "scale": scale,
        "rows": total_rows,
        "workspace": str(ws.home),
        "generate_s": round(generate_s, 2),
        "generate_rows_per_s": round(total_rows / generate_s),
        "ingest_s": round(ingest_s, 2),
        "build_s": round(build_s, 2),
        "daily_s": round(daily_s, 2),
        "pipeline_s": round(pipeline_s, 2),
        "floor_s": round(floor_s, 3),
        "floor_rows": floor_rows,
        # the floor is also a check: at head office its figures are the marts' figures
        "floor_vs_marts_at_hq": f"{compared - len(differing or [])} of {compared} rows equal",
        "floor_differs": [list(map(str, row)) for row in (differing or [])][:10],
        "copy_s": round(copy_s, 2),
        "copy_vs_floor": round(copy_s / floor_s, 2),
        "build_vs_copy": round(build_s / copy_s, 2),
        "ratio": round(pipeline_s / floor_s, 1),
        "build_ratio": round(build_s / floor_s, 1),
        "daily_vs_build": round(daily_s / build_s, 3),
        "peak_rss_gib": max(peaks.values()),
        "peak_rss_by_phase_gib": peaks,
        # where the time goes: the slowest steps of each run (Dagster step → seconds)
        "build_steps": _slowest(build.step_seconds),
        "daily_steps": _slowest(daily.step_seconds),
        # and inside dbt: its wall time and its nodes' time by layer (two threads)
        "build_dbt": build_dbt,
        "daily_dbt": daily_dbt,
        # what the daily run spends outside dbt's nodes: the job, dbt's start, checks, publishing
        "daily_outside_dbt_s": round(daily_outside_dbt_s, 2),
        "daily_outside_dbt_vs_build": round(daily_outside_dbt_s / build_s, 3),
    }


def dbt_run_profile(ws: Workspace, run_id: str) -> dict:
    """dbt's own figures for one pipeline run (its run_results.json): the wall time of dbt's
    nodes and the seconds they took by layer — staging, core, marts (the model's folder),
    data tests and seeds. With two threads the layers add up to about twice the wall time."""
    target = ws.dbt_runs / run_id
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    nodes = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    seconds = defaultdict(float)
    for result in results["results"]:
        node = nodes.get(result["unique_id"], {})
        layer = (
            node.get("fqn", [None, None])[1]
            if node.get("resource_type") == "model"
            else node.get("resource_type", result["unique_id"].split(".")[0])
        )
        seconds[layer] += result["execution_time"]
    return {
        "elapsed_s": round(results["elapsed_time"], 2),
        "node_s": {layer: round(s, 1) for layer, s in sorted(seconds.items(), key=lambda item: -item[1])},
    }


def _slowest(steps: dict[str, float], n: int = 6) -> dict[str, float]:
    return dict(sorted(steps.items(), key=lambda item: -item[1])[:n])
