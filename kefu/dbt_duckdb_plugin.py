"""dbt-duckdb plugin: hands the PII hashing key to DuckDB as a session variable.

Inlining ``env_var('KEFU_PII_KEY')`` in a model would write the secret into compiled SQL
under ``target/``; a session variable keeps it in memory only (read by the ``pii_hash``
macro with ``getvariable``).
"""

import os

from dbt.adapters.duckdb.plugins import BasePlugin

from kefu.workspace import PII_KEY_ENV


class Plugin(BasePlugin):
    # DuckDB variables belong to one connection, and every dbt cursor is a connection of its
    # own, so the key is set on each cursor.
    def configure_cursor(self, cursor):
        key = os.environ.get(PII_KEY_ENV)
        if key:
            cursor.execute("set variable kefu_pii_key = $key", {"key": key})
        return cursor
