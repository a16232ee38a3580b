"""dbt-duckdb plugin: hands the PII hashing key to DuckDB as a session variable.

Inlining ``env_var('KEFU_PII_KEY')`` in a model would write the secret into compiled SQL
under ``target/``; a session variable keeps it in memory only (read by the ``pii_hash``
macro with ``getvariable``).
"""
import os

from dbt.adapters.duckdb.plugins import BasePlugin

from kefu.workspace import PII_KEY_ENV


class Plugin(BasePlugin):
    def configure_connection(self, conn):
        key = os.environ.get(PII_KEY_ENV)
        if key:
            conn.execute("set variable kefu_pii_key = $key", {"key": key})
