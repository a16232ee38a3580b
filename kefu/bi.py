"""Apache Superset over the published snapshot, provisioned as code (`make bi`, `kefu bi`).

Superset runs from a venv of its own (.venv-bi, bi/superset/requirements.txt: its pandas and
SQLAlchemy pins conflict with the pipeline's) and keeps everything in the workspace's superset/ folder:
its metadata database, its secret key and the admin's password (both generated, mode 600, unless
SUPERSET_SECRET_KEY / KEFU_BI_ADMIN_PASSWORD are set). What it shows is kept in the repository
(bi/superset/): the database, datasets with their metrics, charts and the dashboard's layout. This
module turns them into Superset's own import bundle, filling in what only the snapshot knows (its
path, every published table as a dataset, each column's type and Chinese label, each table's
definition as its description), and Superset imports it with its own assets command: re-running
`kefu bi` brings Superset's copy back to the repository's.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import uuid
from pathlib import Path

import duckdb
import yaml

from kefu.errors import UserError
from kefu.project import column_labels
from kefu.workspace import REPO_ROOT, Workspace

BI_SOURCE = REPO_ROOT / "bi" / "superset"
BI_VENV = REPO_ROOT / ".venv-bi"
ADMIN = "admin"
# stable identities, so that an import replaces what an earlier one created
NAMESPACE = uuid.UUID("5b0c4c2e-7f0e-4a53-9d7e-6b6f6a1e0b1d")
DATABASE = "kefu_snapshot"


def _uuid(kind: str, name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{name}"))


def bi_home(ws: Workspace) -> Path:
    return ws.home / "superset"


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def superset_bundle(ws: Workspace) -> dict[str, str]:
    """Superset's import bundle (file name → YAML) for this workspace's published snapshot."""
    snapshot = ws.published_file
    labels = column_labels()
    files: dict[str, dict] = {
        "metadata.yaml": {"version": "1.0.0", "type": "assets", "timestamp": "2026-01-01T00:00:00+00:00"}
    }
    database = _load(BI_SOURCE / "database.yaml")
    database |= {
        "sqlalchemy_uri": f"duckdb:///{snapshot}",
        "uuid": _uuid("database", DATABASE),
        "version": "1.0.0",
    }
    files[f"databases/{DATABASE}.yaml"] = database

    declared = {p.stem: _load(p) for p in sorted((BI_SOURCE / "datasets").glob("*.yaml"))}
    with duckdb.connect(str(snapshot), read_only=True) as con:
        tables = dict(
            con.execute(
                "select table_name, comment from duckdb_tables() where database_name = current_database()"
            ).fetchall()
        )
        for table in sorted(set(tables) | set(declared)):
            spec = declared.get(table, {"table_name": table})
            if not spec.get("sql") and table not in tables:
                raise UserError(
                    f"bi/superset/datasets/{table}.yaml: the published snapshot has no table {table} "
                    "(renamed? or run `kefu build` for a newer snapshot)"
                )
            if spec.get("sql"):
                described = con.execute(f"describe ({spec['sql']})").fetchall()
                columns = [(name, kind, None) for name, kind, *_ in described]
                description = spec.get("description")
            else:
                columns = con.execute(
                    "select column_name, data_type, comment from duckdb_columns() "
                    "where database_name = current_database() and table_name = ? order by column_index",
                    [table],
                ).fetchall()
                description = tables[table]
            files[f"datasets/{DATABASE}/{table}.yaml"] = _dataset(spec, columns, description, labels)

    charts = {p.stem: _load(p) for p in sorted((BI_SOURCE / "charts").glob("*.yaml"))}
    for name, chart in charts.items():
        if chart["dataset"] not in set(tables) | set(declared):
            raise UserError(f"bi/superset/charts/{name}.yaml reads dataset {chart['dataset']}, which is not there")
        files[f"charts/{name}.yaml"] = _chart(name, chart)
    dashboard = _load(BI_SOURCE / "dashboard.yaml")
    files["dashboards/kefu_quality.yaml"] = _dashboard(dashboard, charts)
    return {name: yaml.safe_dump(content, allow_unicode=True, sort_keys=False) for name, content in files.items()}


def _dataset(spec: dict, columns: list[tuple], description: str | None, labels: dict) -> dict:
    table = spec["table_name"]
    return {
        "table_name": table,
        "schema": "main",
        "sql": spec.get("sql"),
        "description": description,
        "main_dttm_col": spec.get("main_dttm_col"),
        "uuid": _uuid("dataset", table),
        "database_uuid": _uuid("database", DATABASE),
        "version": "1.0.0",
        "columns": [
            {
                "column_name": name,
                "verbose_name": labels[name][0] if name in labels else None,
                "description": comment or (" ".join(labels[name]) if name in labels else None),
                "type": kind,
                "is_dttm": kind.startswith(("DATE", "TIMESTAMP")),
                "groupby": True,
                "filterable": True,
            }
            for name, kind, comment in columns
        ],
        "metrics": [{"metric_type": None, **metric} for metric in spec.get("metrics", [])],
    }


def _chart(name: str, chart: dict) -> dict:
    return {
        "slice_name": chart["slice_name"],
        "description": chart.get("description"),
        "viz_type": chart["viz_type"],
        "params": chart["params"],
        "query_context": None,
        "cache_timeout": None,
        "uuid": _uuid("chart", name),
        "dataset_uuid": _uuid("dataset", chart["dataset"]),
        "version": "1.0.0",
    }


def _dashboard(dashboard: dict, charts: dict[str, dict]) -> dict:
    """Superset's position tree (root → grid → rows → charts) from the rows of dashboard.yaml."""
    position: dict[str, dict] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": dashboard["dashboard_title"]}},
    }
    for number, row in enumerate(dashboard["rows"], start=1):
        row_id = f"ROW-{number}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        if sum(width for _, width in row["charts"]) > 12:
            raise UserError(f"bi/superset/dashboard.yaml: row {number} is wider than 12")
        for name, width in row["charts"]:
            if name not in charts:
                raise UserError(f"bi/superset/dashboard.yaml: row {number} names {name}, not in bi/superset/charts/")
            chart_id = f"CHART-{name}"
            position[row_id]["children"].append(chart_id)
            position[chart_id] = {
                "type": "CHART",
                "id": chart_id,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {
                    "chartId": list(charts).index(name) + 1,  # the export's id: the import maps it by uuid
                    "uuid": _uuid("chart", name),
                    "sliceName": charts[name]["slice_name"],
                    "width": width,
                    "height": row["height"],
                },
            }
    return {
        "dashboard_title": dashboard["dashboard_title"],
        "description": dashboard.get("description"),
        "slug": dashboard.get("slug"),
        "uuid": _uuid("dashboard", dashboard["dashboard_title"]),
        "position": position,
        "metadata": {"color_scheme": "supersetColors", "cross_filters_enabled": True, "refresh_frequency": 0},
        "published": True,
        "version": "1.0.0",
    }


def _secret(path: Path, env: str) -> str:
    """The value of env if set, else the one generated into path (mode 600) the first time."""
    if os.environ.get(env):
        return os.environ[env]
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(24))
    return path.read_text().strip()


def superset_env(ws: Workspace) -> dict[str, str]:
    home = bi_home(ws)
    _secret(home / "secret_key", "SUPERSET_SECRET_KEY")
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))},
        "KEFU_BI_HOME": str(home),
        "SUPERSET_CONFIG_PATH": str(BI_SOURCE / "superset_config.py"),
        "FLASK_APP": "superset",
        "PATH": f"{BI_VENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def superset_installed() -> Path:
    superset = BI_VENV / "bin" / "superset"
    if not superset.exists():
        raise UserError("Superset is not installed: run `make bi` (it creates .venv-bi and starts Superset)")
    return superset


def provision(ws: Workspace, log=print) -> str:
    """Superset's metadata initialised (once per Superset release), the admin user, and the
    bundle imported; returns the admin's password. Superset's own output goes to superset/provision.log."""
    ws.require_published()
    superset_installed()
    home = bi_home(ws)
    home.mkdir(parents=True, exist_ok=True)
    env = superset_env(ws)
    password = _secret(home / "admin_password", "KEFU_BI_ADMIN_PASSWORD")
    bundle = home / "bundle"
    shutil.rmtree(bundle, ignore_errors=True)
    for name, text in superset_bundle(ws).items():
        (bundle / name).parent.mkdir(parents=True, exist_ok=True)
        (bundle / name).write_text(text, encoding="utf-8")
    release = subprocess.run(
        [str(BI_VENV / "bin" / "python"), "-c", "import importlib.metadata as m; print(m.version('apache-superset'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    stamp = home / f".initialised-{release}"  # metadata migrated and roles synced for this release
    init = not stamp.exists()
    with open(home / "provision.log", "a", encoding="utf-8") as out:
        log(
            f"  superset: {'metadata database, roles, ' if init else ''}admin user and the dashboard from bi/superset/ …"
        )
        _run(
            "provisioning",
            [
                str(BI_VENV / "bin" / "python"),
                str(BI_SOURCE / "provision.py"),
                *(["--init"] if init else []),
                ADMIN,
                str(bundle),
            ],
            {**env, "KEFU_BI_ADMIN_PASSWORD": password},
            out,
            home,
        )
    stamp.touch()
    return password


def _run(what: str, command: list[str], env: dict, out, home: Path) -> None:
    out.flush()
    done = subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=home)
    if done.returncode != 0:
        raise UserError(f"Superset's {what} failed: its output is in {home / 'provision.log'}")


def serve(ws: Workspace, host: str, port: int) -> None:
    """Superset's web server (gunicorn, as Superset serves in production) in the foreground."""
    env = superset_env(ws)
    gunicorn = BI_VENV / "bin" / "gunicorn"
    os.execve(
        str(gunicorn),
        [
            str(gunicorn),
            "--bind",
            f"{host}:{port}",
            "--workers",
            "1",
            "--worker-class",
            "gthread",
            "--threads",
            "8",
            "--timeout",
            "120",
            "--no-control-socket",  # gunicorn's default is one path in $HOME, for every server alike
            "--access-logfile",
            str(bi_home(ws) / "access.log"),
            "superset.app:create_app()",
        ],
        env,
    )


def login_hint(ws: Workspace, host: str, port: int) -> str:
    where = "KEFU_BI_ADMIN_PASSWORD" if os.environ.get("KEFU_BI_ADMIN_PASSWORD") else bi_home(ws) / "admin_password"
    return (
        f"Superset on http://{host}:{port}/superset/dashboard/kefu-quality/ — user {ADMIN}, "
        f"password in {where}; Ctrl-C stops it"
    )
