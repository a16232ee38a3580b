"""The restricted vault: customers' names, ID numbers and phones in clear, apart from the lake
and the warehouse, which hold only tokens.

At ingest every column a contract marks ``pii: true`` is replaced in the lake by a token,
``pii:`` + sha256(vault key | value) computed set-wise by DuckDB: the same value gives the same
token in every load, so a complainant's complaints still match, and without the vault's key a
token cannot be brute-forced from the few possible phone or ID numbers. The clear values go to
``vault/<extract>/<load_id>.parquet`` (token, column, value; files 600 in a 700 folder), which
no dbt model, check or publication reads. Staging hashes the token again with KEFU_PII_KEY
(``customer_key``), so rotating that key works as before and leaves the vault as it is.
The lawful lookup is ``kefu sample --reveal``, logged (who, when, which records) in
``vault/reveal_log.jsonl``.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import secrets
from pathlib import Path

import duckdb

from kefu.sql import literal
from kefu.workspace import Workspace

TOKEN_PREFIX = "pii:"
VAULT_KEY_ENV = "KEFU_VAULT_KEY"


class Vault:
    def __init__(self, ws: Workspace):
        self.root = ws.home / "vault"

    def ensure(self) -> Vault:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.root.chmod(0o700)
        return self

    def key(self) -> str:
        """From the environment (KEFU_VAULT_KEY), else a random key kept in the vault (600)."""
        if os.environ.get(VAULT_KEY_ENV):
            return os.environ[VAULT_KEY_ENV]
        key_file = self.ensure().root / ".key"
        if not key_file.exists():
            # written aside, then linked into place: two loads starting at once (ingest loads
            # two files at a time) agree on one key, and neither reads a half-written file
            tmp = self.root / f".key.{os.getpid()}.{secrets.token_hex(4)}"
            tmp.write_text(secrets.token_hex(32))
            tmp.chmod(0o600)
            try:
                os.link(tmp, key_file)
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        return key_file.read_text().strip()

    def token_sql(self, expr: str) -> str:
        """DuckDB SQL for the token of a text expression (null and '' stay as they are)."""
        return (
            f"case when coalesce({expr}, '') = '' then {expr} "
            f"else {literal(TOKEN_PREFIX)} || sha256({literal(self.key())} || '|' || {expr}) end"
        )

    def write(self, con: duckdb.DuckDBPyConnection, entity: str, load_id: str, values_sql: str) -> Path:
        """Write a load's clear values (``values_sql``: rows of column, value) to a temporary
        file beside its final place; ``commit`` moves it there with the load."""
        folder = self.ensure().root / entity
        folder.mkdir(mode=0o700, exist_ok=True)
        tmp = folder / f"{load_id}.parquet.tmp"
        con.execute(f"""copy (select distinct {self.token_sql("value")} as token, pii_column, value
                              from ({values_sql}) v where coalesce(value, '') <> ''
                              order by pii_column, token) to {literal(tmp)} (format parquet)""")
        tmp.chmod(0o600)
        return tmp

    @staticmethod
    def commit(tmp: Path) -> None:
        tmp.replace(tmp.with_suffix(""))

    def reveal(self, tokens: list[str], records: list[str], reason: str) -> dict[str, str]:
        """The clear values of these tokens, and a line in the reveal log: who, when, why,
        which records and columns."""
        files = [str(p) for p in self.root.glob("*/*.parquet")] if self.root.exists() else []
        found = {}
        if files and tokens:
            found = dict(
                duckdb.execute(
                    "select distinct token, value from read_parquet(?) where token in (select unnest(?))",
                    [files, tokens],
                ).fetchall()
            )
        entry = {
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "by": getpass.getuser(),
            "reason": reason,
            "records": records,
            "values_revealed": len(found),
        }
        log = self.ensure().root / "reveal_log.jsonl"
        with log.open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        log.chmod(0o600)
        return found
