"""Cheaper writes to the workspace's Dagster instance. Its SQLite event log commits each
event on its own (a run writes ~900: materializations, check results, step outputs), and
with SQLite's default synchronous=FULL each commit waits for the disk: ~25 s a run at test
scale, a third of a run. The instance's databases run in WAL mode, where synchronous=NORMAL
cannot corrupt them (a power cut may lose the last events, not the run's data, which lives
in the lake and the warehouse). Set through SQLAlchemy's public connect event, for the
databases under a kefu workspace's .dagster_home only; Dagster has no setting for it."""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

DAGSTER_HOME_NAME = ".dagster_home"


@event.listens_for(Engine, "connect")
def _normal_sync_in_dagster_home(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        databases = dbapi_connection.execute("pragma database_list").fetchall()
        if any(DAGSTER_HOME_NAME in (path or "") for _, _, path in databases):
            dbapi_connection.execute("pragma synchronous = normal")
