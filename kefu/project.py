"""The dbt project as the rest of kefu sees it: its parsed manifest, and the KPI marts it
declares. Every list of marts (their grain, definitions, publication, trace, checks) is read
from here, so a KPI lives in its own files (models/marts/<area>/kpi_<name>.sql and .yml; see
docs/adding-a-kpi.md) and nothing else keeps a list of them by hand."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from kefu.workspace import DBT_PROJECT_DIR, PII_KEY_ENV, SEEDS_DIR, Workspace

TARGET_DIR = DBT_PROJECT_DIR / "target"
MANIFEST = TARGET_DIR / "manifest.json"
# the dbt installed beside this interpreter, so an un-activated .venv/bin/kefu finds it
DBT_EXECUTABLE = (
    str(Path(sys.executable).parent / "dbt")
    if (Path(sys.executable).parent / "dbt").exists()
    else shutil.which("dbt") or "dbt"
)
GRAIN_TEST = "unique_combination"  # tests/generic/kpi_tests.sql: a mart's grain


def project_files() -> list[Path]:
    """The files the dbt project is parsed from: models, macros, tests, seeds, settings."""
    files = [
        p
        for folder in (DBT_PROJECT_DIR / "models", DBT_PROJECT_DIR / "macros", DBT_PROJECT_DIR / "tests", SEEDS_DIR)
        for p in folder.rglob("*")
        if p.is_file()
    ]
    return sorted(files) + [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]


def project_digest() -> str:
    """The project's content, from its files: not the manifest's bytes, which every parse
    rewrites with new timestamps (and `dagster dev` parses at each start: after `kefu ui`
    the next build would have tested every row again and rebuilt the docs and lineage)."""
    digest = hashlib.sha256()
    for path in project_files():
        digest.update(str(path.relative_to(DBT_PROJECT_DIR.parent)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def manifest_is_stale() -> bool:
    """Missing (a fresh clone), or older than a file of the project or its seeds (an edit, a
    pull): the asset graph and the lists of marts would then describe old nodes."""
    if not MANIFEST.exists():
        return True
    return max(p.stat().st_mtime for p in project_files()) > MANIFEST.stat().st_mtime


def ensure_manifest() -> Path:
    """Parse the project when its manifest is stale. dbt parse opens no warehouse: the
    profile's variables need only be set, so the PII key is not looked up for it."""
    if manifest_is_stale():
        env = {
            **os.environ,
            "KEFU_HOME": str(Workspace.from_env().home),
            PII_KEY_ENV: os.environ.get(PII_KEY_ENV, "not-read-by-dbt-parse"),
        }
        done = subprocess.run(
            [
                DBT_EXECUTABLE,
                "parse",
                "--quiet",
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--target-path",
                str(TARGET_DIR),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"dbt parse failed on {DBT_PROJECT_DIR}:\n{(done.stdout + done.stderr).strip()[-3000:]}")
    return MANIFEST


@dataclass(frozen=True)
class Mart:
    """A KPI mart as its .yml declares it."""

    name: str
    area: str  # models/marts/<area>/
    path: str  # the SQL file, relative to models/
    grain: tuple[str, ...]  # the columns of its unique_combination test
    kpi: dict  # config.meta.kpi: the definition readers see
    columns: dict[str, str]  # every documented column and its description
    unit_tests: tuple[str, ...]  # the hand-computed cases
    trace: dict  # config.meta.trace: how `kefu trace` finds its records
    data_tests: tuple[tuple[str, str | None, dict], ...] = ()  # (test, column or None, arguments)
    summary: tuple[dict, ...] = ()  # config.meta.summary: its lines in `kefu summary` (order, label, keys, format)
    types: dict[str, str] = field(default_factory=dict)  # each column's declared data_type (its contract)
    contract_enforced: bool = False  # dbt checks the built columns against `types` (config.contract)


@cache
def manifest() -> dict:
    ensure_manifest()
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


@cache
def marts() -> dict[str, Mart]:
    """Every model under models/marts/ (its name starts kpi_), by name."""
    doc = manifest()
    grains: dict[str, tuple[str, ...]] = {}
    data_tests: dict[str, list] = {}
    for node in doc["nodes"].values():
        if node["resource_type"] != "test" or not node.get("test_metadata"):
            continue
        test = node["test_metadata"]
        kwargs = {k: v for k, v in test["kwargs"].items() if k != "model"}
        data_tests.setdefault(node["attached_node"], []).append((test["name"], node.get("column_name"), kwargs))
        if test["name"] == GRAIN_TEST:
            grains[node["attached_node"]] = tuple(kwargs["columns"])
    tests: dict[str, list[str]] = {}
    for test in doc.get("unit_tests", {}).values():
        tests.setdefault(test["model"], []).append(test["name"])
    found = {}
    for uid, node in doc["nodes"].items():
        if node["resource_type"] != "model" or node["fqn"][1] != "marts":
            continue
        meta = node["config"].get("meta") or {}
        found[node["name"]] = Mart(
            name=node["name"],
            area=node["fqn"][2] if len(node["fqn"]) > 3 else "",
            path=node["original_file_path"],
            grain=grains.get(uid, ()),
            kpi=meta.get("kpi") or {},
            columns={c: col.get("description", "") for c, col in node["columns"].items()},
            unit_tests=tuple(sorted(tests.get(node["name"], []))),
            trace=meta.get("trace") or {},
            data_tests=tuple(sorted(data_tests.get(uid, []), key=str)),
            summary=tuple(meta.get("summary") or ()),
            types={c: col.get("data_type") or "" for c, col in node["columns"].items()},
            contract_enforced=bool((node["config"].get("contract") or {}).get("enforced")),
        )
    return dict(sorted(found.items()))


@dataclass(frozen=True)
class PublishedTable:
    """A table of the published snapshot as its .yml declares it."""

    name: str
    schema: str  # the warehouse schema it is built in: marts or reference
    description: str
    columns: dict[str, str]  # each documented column and its description


@cache
def published_tables() -> dict[str, PublishedTable]:
    """What `kefu publish` copies for BI readers: the KPI marts, then what they are joined with
    (models/reference/: the org tree, periods, classes, channels, product lines, the KPI catalogue)."""
    found = {}
    for layer in ("marts", "reference"):
        for node in sorted(manifest()["nodes"].values(), key=lambda n: n["name"]):
            if node["resource_type"] == "model" and node["fqn"][1] == layer:
                found[node["name"]] = PublishedTable(
                    name=node["name"],
                    schema=layer,
                    description=node.get("description", ""),
                    columns={c: col.get("description", "") for c, col in node["columns"].items()},
                )
    return found


def column_labels() -> dict[str, tuple[str, str]]:
    """Each published column's Chinese and English label (seeds/column_labels.csv)."""
    with (SEEDS_DIR / "column_labels.csv").open(encoding="utf-8", newline="") as f:
        return {row["column_name"]: (row["label_zh"], row["label_en"]) for row in csv.DictReader(f)}


def mart_grain() -> dict[str, list[str]]:
    """Each mart's grain (enforced by its unique_combination test)."""
    return {name: list(mart.grain) for name, mart in marts().items()}
