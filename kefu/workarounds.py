"""Workarounds of private APIs of the libraries kefu runs on, in one place, each with the
versions it was checked against: when one of them is upgraded, read this file first.

- dagster-dbt 0.29.27 (dagster 1.13.27): DbtEventIterator's fetchers poll without sleeping
  (finished_dbt_events); `dbt --version` spawned for every run (DbtCliResourceOfThisEnvironment)
- dbt-duckdb 1.11.1: the adapter keeps its database open for the life of the process
  (release_duckdb_adapter)
- great_expectations 1.24.1 with duckdb-engine: empty metric results
  (install_duckdb_result_buffering)
- dagster 1.13.27: a warning per blocking check of a step that yielded nothing on purpose
  (quiet_unrun_blocking_checks)
- duckdb-engine 0.17.0 with SQLAlchemy 2.1.9 (DuckDB 1.5.6): column reflection fails on
  pg_catalog.pg_collation (fix_duckdb_engine_reflection)
- dbt-core 1.11.16 / dbt-duckdb 1.11.1: a workspace copied elsewhere parses its whole project
  again, since the profile names the workspace (rehome_parse_state)
- dagster 1.13.27: a run in a process that ignores SIGINT leaves SIGTERM ignored (sigterm_kept)
"""

import logging
import os
import signal
import threading
from argparse import Namespace
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

from dagster_dbt import DbtCliInvocation, DbtCliResource
from dagster_dbt.core.dbt_event_iterator import DbtEventIterator


def finished_dbt_events(invocation: DbtCliInvocation) -> DbtEventIterator:
    """The run's Dagster events, read to the end of the dbt process before any metadata is
    fetched. dagster-dbt's fetchers (fetch_row_counts, fetch_column_metadata) wait for the end
    of a DuckDB run themselves, but in a loop that polls without sleeping
    (dagster._core.utils.imap while its queue is empty): measured at scale 100, that took
    half a core from dbt for the whole run on this 2-core machine. Reading the events here
    blocks on dbt's output instead. A failed run yields the events it produced, then fails
    as dbt did."""
    events, failure = [], None
    try:
        events.extend(invocation.stream())
    except Exception as error:  # re-raised after the events, as dagster-dbt does
        failure = error
    return DbtEventIterator(_then_raise(events, failure), invocation)


def _then_raise(events: list, failure: Exception | None):
    yield from events
    if failure is not None:
        raise failure


def release_duckdb_adapter(invocation) -> None:
    """dagster-dbt reads that metadata through a dbt adapter in this process (after dbt has
    finished, on DuckDB). dbt-duckdb keeps its database open read-write for the life of the
    process, which would lock the checks and the publish step after it out of the warehouse
    ("different configuration than existing connections"); its close_all_connections()
    forgets the database without closing it, so close it here."""
    if invocation.adapter is None or invocation.adapter.type() != "duckdb":
        return
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    invocation.adapter.cleanup_connections()
    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


@cache
def install_duckdb_result_buffering() -> None:
    """Work around GX 1.x returning empty metrics through duckdb-engine (GX issues
    #10738/#11579): ``execute_query`` returns a cursor after its connection has closed, and
    a closed duckdb connection's cursor is empty. Buffering the rows before the connection
    closes (SQLAlchemy ``Result.freeze``) keeps them; other databases are unaffected."""
    from great_expectations.execution_engine.sqlalchemy_execution_engine import SqlAlchemyExecutionEngine

    def execute_query(self, query):
        with self.get_connection() as connection:
            result = self._execute_query_with_recovery(connection, query)
            return result.freeze()() if result.returns_rows else result

    SqlAlchemyExecutionEngine.execute_query = execute_query


class _UnrunChecksOf(logging.Filter):
    def __init__(self, steps: tuple[str, ...]):
        super().__init__()
        self.texts = [f"emitted no result in step {step!r}" for step in steps]

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(text in record.getMessage() for text in self.texts)


@cache
def quiet_unrun_blocking_checks(*steps: str) -> None:
    """A step that yields nothing on purpose (the dbt step when nothing is new) leaves its
    blocking checks, and those of the check steps it skips, without a result, and dagster's
    execution plan warns once per check (~80 lines, from a module logger of
    dagster._core.execution.plan.active, not in the run's event log) although every step
    downstream is skipped anyway. Only these steps' warnings are dropped."""
    logging.getLogger("dagster._core.execution.plan.active").addFilter(_UnrunChecksOf(steps))


class DbtCliResourceOfThisEnvironment(DbtCliResource):
    """dagster-dbt asks the dbt executable its version (``dbt --version``, a Python process
    that imports dbt: 2.0 s, 1.7 s of CPU) at every run, since Dagster builds the resource
    anew for each run (DbtCliResource._cli_version). The dbt this project runs is the one
    installed beside it (kefu.project.DBT_EXECUTABLE), so its version is dbt-core's here."""

    @cached_property
    def _cli_version(self):
        from packaging import version

        return version.parse(installed_version("dbt-core"))


def rehome_parse_state(state: Path, from_project: str | None, to_project: str) -> None:
    """Let dbt partially parse a workspace's project from parse state saved in another folder
    (a copied or restored workspace: every test's copy of a built one) or by another checkout
    of the project. dbt starts over when the hash of the profile's connection keys differs
    (dbt/parser/manifest.py, build_manifest_state_check): DuckDB's is the warehouse path, which
    names the workspace, and a full parse cost 4.5–8 s more a run than a partial one (12-07).
    No model here reads the path while parsing (target.path); what reads KEFU_HOME dbt tracks
    per file as an env var and parses again itself. So the saved hash is replaced by the one of
    the profile as it renders now (the same computation as dbt's). dbt compares the project's
    files by relative path and checksum, yet keeps each one's absolute root (files' project_root,
    nodes' root_path: a seed is loaded from it), so those are moved to this checkout. Any
    failure leaves the state as it was: dbt then parses everything, as it would have."""
    import pprint

    import msgpack
    from dbt.config.runtime import load_profile
    from dbt.contracts.files import FileHash
    from dbt.flags import set_from_args
    from dbt_common.context import set_invocation_context

    from kefu.workspace import DBT_PROJECT_DIR

    def moved(value):
        if isinstance(value, dict):
            return {key: moved(item) for key, item in value.items()}
        if isinstance(value, list):
            return [moved(item) for item in value]
        if isinstance(value, str) and (value == from_project or value.startswith(f"{from_project}/")):
            return to_project + value[len(from_project) :]
        return value

    try:
        # as dagster-dbt does before it loads the profile in-process (DbtCliResource.cli)
        set_invocation_context(os.environ.copy())
        set_from_args(Namespace(profiles_dir=str(DBT_PROJECT_DIR)), None)
        profile = load_profile(str(DBT_PROJECT_DIR), {}, None, None)
        connection_keys = sorted(profile.credentials.connection_info())
        manifest = msgpack.unpackb(state.read_bytes())
        manifest["state_check"]["profile_hash"] = FileHash.from_contents(pprint.pformat(connection_keys)).to_dict()
        if from_project and from_project != to_project:
            manifest = moved(manifest)
        state.write_bytes(msgpack.packb(manifest))
    except Exception as error:  # dbt parses everything, as without this
        logging.getLogger(__name__).warning("dbt's parse state not moved to this workspace: %s", error)


def fix_duckdb_engine_reflection() -> None:
    """SQLAlchemy >= 2.0.45 reflects a PostgreSQL column's collation by joining pg_collation
    with pg_namespace; DuckDB's pg_catalog has only a stub pg_collation (no collnamespace) and no
    pg_collation_is_visible, so every get_columns() through duckdb-engine fails with "Binder
    Error: Referenced table pg_catalog.pg_collation not found" (duckdb/duckdb#22069,
    Mause/duckdb_engine#1379) and a BI tool's dataset editor lists no column. duckdb-engine's
    own fix (#1393, unreleased) reflects the collation as null, as this does; DuckDB has no
    per-column collation a BI reader needs. SQLAlchemy 2.1 also changed the signature of the
    method duckdb-engine's get_multi_columns calls (_get_columns_info), so on 2.1 that is
    replaced too: the same steps as SQLAlchemy's own, with the rows read at once (duckdb-engine
    keeps one cursor per connection, which its version does for the same reason). For readers
    of the published snapshot only (kefu.publish.snapshot_engine); idempotent."""
    from functools import lru_cache

    import duckdb_engine
    from sqlalchemy import sql
    from sqlalchemy.dialects.postgresql import base

    dialect = duckdb_engine.Dialect
    if getattr(dialect, "_kefu_reflects_without_collation", False):
        return

    @lru_cache
    def _columns_query(self, schema, has_filter_names, scope, kind):
        query = base.PGDialect._columns_query(self, schema, has_filter_names, scope, kind)
        columns = [sql.null().label("collation") if c.name == "collation" else c for c in query.selected_columns]
        return query.with_only_columns(*columns, maintain_column_froms=False)

    dialect._columns_query = _columns_query
    if hasattr(base, "_NamedTypeLoader"):  # SQLAlchemy 2.1
        # its constraint and table-option queries cast to REGCLASS or read pg_am and
        # pg_inherits, which DuckDB lacks: MetaData.reflect() and pandas.read_sql_table() failed
        # on them. A published snapshot's tables (each created as a select) have no constraint
        # and no PostgreSQL table option, so none is reflected.
        from sqlalchemy.engine.reflection import ReflectionDefaults

        for method, none in (
            ("get_multi_pk_constraint", ReflectionDefaults.pk_constraint),
            ("get_multi_foreign_keys", ReflectionDefaults.foreign_keys),
            ("get_multi_unique_constraints", ReflectionDefaults.unique_constraints),
            ("get_multi_check_constraints", ReflectionDefaults.check_constraints),
            ("get_multi_table_options", ReflectionDefaults.table_options),
        ):
            setattr(dialect, method, _reflecting_none(none))

        def get_multi_columns(self, connection, schema=None, filter_names=None, scope=None, kind=None, **kw):
            has_filter_names, params = self._prepare_filter_names(filter_names)
            rows = list(
                connection.execute(self._columns_query(schema, has_filter_names, scope, kind), params).mappings()
            )
            return self._get_columns_info(rows, base._NamedTypeLoader(self, connection, kw), schema).items()

        dialect.get_multi_columns = get_multi_columns
    dialect._kefu_reflects_without_collation = True


def _reflecting_none(none):
    def get_multi(self, connection, schema=None, filter_names=None, scope=None, kind=None, **kw):
        tables = self.get_multi_table_comment(
            connection, schema=schema, filter_names=filter_names, scope=scope, kind=kind, **kw
        )
        return [(key, none()) for key, _ in tables]

    return get_multi


@contextmanager
def sigterm_kept() -> Iterator[None]:
    """Dagster's capture_interrupts (around execute_in_process) ends by giving SIGTERM whatever
    handler SIGINT has (dagster/_utils/interrupts.py, setup_interrupt_handlers: "for k8s").
    Where SIGINT is ignored (a background job of a non-interactive shell, as CI's, and its
    pytest workers), SIGTERM then stays ignored for the rest of the process, and every process
    it starts inherits that: the Spark daemons of `kefu spark up` ignored `kefu spark down` and
    were killed after 60 s each (214 s in CI, 12-07). SIGTERM is put back as it was."""
    before = signal.getsignal(signal.SIGTERM)
    try:
        yield
    finally:
        if threading.current_thread() is threading.main_thread() and before is not None:
            signal.signal(signal.SIGTERM, before)
