"""Where a warehouse lives on disk.

One workspace folder (``KEFU_HOME``, default: the repository) holds the landing folder,
the Parquet lake, the DuckDB warehouse file and the published snapshot, so several
independent warehouses can sit side by side (tests build one per temporary folder).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# The project the warehouse is built from: dbt_project/, its seeds/ (the rules) and the GX
# expectations/. This checkout's, unless KEFU_PROJECT_DIR names another copy of the three, as
# a rules change under review would be (dbt reads seeds relative to its project only).
PROJECT_DIR = Path(os.environ.get("KEFU_PROJECT_DIR") or REPO_ROOT).resolve()
DBT_PROJECT_DIR = PROJECT_DIR / "dbt_project"
EXPECTATIONS_DIR = PROJECT_DIR / "expectations"
SEEDS_DIR = PROJECT_DIR / "seeds"
PII_KEY_ENV = "KEFU_PII_KEY"
# the workspace's Dagster instance: one run at a time (DuckDB has one writer per file; the UI,
# the schedule and the sensor queue behind each other), no telemetry (no internet here), and
# no "Join the Dagster community" newsletter prompt over the UI at an engineer's first visit
NO_NEWSLETTER_PROMPT = "nux:\n  enabled: false\n"
DAGSTER_SETTINGS = f"""\
run_queue:
  max_concurrent_runs: 1
telemetry:
  enabled: false
{NO_NEWSLETTER_PROMPT}"""


@dataclass(frozen=True)
class Workspace:
    home: Path

    @classmethod
    def from_env(cls) -> Workspace:
        return cls(Path(os.environ.get("KEFU_HOME", REPO_ROOT)).resolve())

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def raw(self) -> Path:
        return self.home / "lake" / "raw"

    @property
    def quarantine(self) -> Path:
        return self.home / "lake" / "quarantine"

    @property
    def loads(self) -> Path:
        """One Parquet file per committed load: the load log and checksum registry."""
        return self.home / "lake" / "loads"

    @property
    def duplicates(self) -> Path:
        """One Parquet file per landing file skipped as a copy of a loaded one, so that it
        no longer looks new (see Ingestor.pending_files); no rows came from it."""
        return self.home / "lake" / "duplicates"

    @property
    def warehouse_file(self) -> Path:
        return self.home / "warehouse" / "kefu.duckdb"

    @property
    def spark_warehouse(self) -> Path:
        """Where the Spark target keeps its tables (plain Parquet, one folder per table)."""
        return self.home / "warehouse" / "spark"

    @property
    def dbt_target(self) -> str:
        """The dbt target (profiles.yml) builds run on, from KEFU_DBT_TARGET: duckdb (default),
        spark (in-process) or spark_cluster (a Thrift server: `kefu spark up`)."""
        return os.environ.get("KEFU_DBT_TARGET", "duckdb")

    @property
    def engine(self) -> str:
        """Where the built tables live: duckdb (the warehouse file) or spark (Parquet folders in
        spark_warehouse and the workspace's metastore, which both Spark targets share)."""
        return "duckdb" if self.dbt_target == "duckdb" else "spark"

    @property
    def dbt_runs(self) -> Path:
        """One folder per pipeline dbt invocation: its run_results.json (timings), compiled SQL, log."""
        return self.home / "warehouse" / "dbt_runs"

    @property
    def audit_docs(self) -> Path:
        """dbt docs and Great Expectations Data Docs, rebuilt by every run."""
        return self.home / "audit_docs"

    @property
    def dagster_home(self) -> Path:
        """The Dagster instance (DAGSTER_HOME) of this warehouse: runs, materializations, check
        results and schedule ticks, whether `kefu build`, `kefu ui` or the daemon ran them."""
        return self.home / ".dagster_home"  # the name dagster_defs/instance.py looks for

    @property
    def published_file(self) -> Path:
        return self.home / "published" / "kefu_marts.duckdb"

    def require_built(self) -> Workspace:
        """This workspace, if a build has left a warehouse in it; else a UserError that says
        what to do (the caller is a person at the command line)."""
        from kefu.errors import UserError

        built = self.warehouse_file if self.dbt_target == "duckdb" else self.spark_warehouse
        if not built.exists():
            raise UserError(
                f"no warehouse in {self.home}: run `kefu build` there first (`make run` for sample "
                "data), or point KEFU_HOME at a built workspace"
            )
        return self

    def require_published(self) -> Workspace:
        from kefu.errors import UserError

        if not self.published_file.exists():
            raise UserError(
                f"no published snapshot in {self.home}: run `kefu build` there first (`make run` for "
                "sample data), or point KEFU_HOME at a built workspace"
            )
        return self

    def ensure(self) -> Workspace:
        for path in (
            self.landing,
            self.raw,
            self.quarantine,
            self.loads,
            self.duplicates,
            self.warehouse_file.parent,
            self.published_file.parent,
            self.dagster_home,
        ):
            path.mkdir(parents=True, exist_ok=True)
        settings = self.dagster_home / "dagster.yaml"
        if not settings.exists():
            settings.write_text(DAGSTER_SETTINGS)
        elif "nux:" not in (text := settings.read_text()):  # a workspace made before the setting
            settings.write_text(text.rstrip("\n") + "\n" + NO_NEWSLETTER_PROMPT)
        return self

    def pii_key(self) -> str:
        """The key for hashing customer identifiers: from the environment, else a random
        per-workspace key kept outside the repository's tracked files (mode 600)."""
        if os.environ.get(PII_KEY_ENV):
            return os.environ[PII_KEY_ENV]
        key_file = self.home / ".pii_key"
        if not key_file.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        return key_file.read_text().strip()

    def dbt_env(self) -> dict[str, str]:
        """Environment for a dbt subprocess working on this workspace."""
        return {**os.environ, "KEFU_HOME": str(self.home), PII_KEY_ENV: self.pii_key()}

    def activate(self) -> None:
        """Export this workspace to the current process (dagster-dbt runs dbt as a child)."""
        os.environ.update({"KEFU_HOME": str(self.home), PII_KEY_ENV: self.pii_key()})
