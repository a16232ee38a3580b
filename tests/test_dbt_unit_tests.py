"""dbt unit tests (hand-computed cases beside the models they test, in dbt_project/models/**/*.yml), run on
both engines' builds. The scheduled pipeline skips them: they test SQL, not data."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kefu.workspace import DBT_PROJECT_DIR
from tests.conftest import SPARK_TARGET

# every unit test the project defines must run and pass, not just some
DEFINED = sorted(
    f"{t['model']}::{t['name']}"
    for p in DBT_PROJECT_DIR.glob("models/**/*.yml")
    for t in yaml.safe_load(p.read_text(encoding="utf-8")).get("unit_tests", [])
)


def _dbt_unit_tests(ws, target: str) -> subprocess.CompletedProcess:
    dbt = Path(sys.executable).parent / "dbt"
    return subprocess.run(
        [
            str(dbt),
            "test",
            "--select",
            "test_type:unit",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(ws.home / "dbt_target"),
        ],
        env={**ws.dbt_env(), "KEFU_DBT_TARGET": target},
        capture_output=True,
        text=True,
        timeout=900,
    )


def _passed(out: subprocess.CompletedProcess) -> list[str]:
    assert out.returncode == 0, out.stdout[-3000:]
    return sorted(re.findall(r"PASS (\w+::\w+)", out.stdout))


def test_unit_tests_pass_on_duckdb(built):
    assert len(DEFINED) >= 8
    assert _passed(_dbt_unit_tests(built, "duckdb")) == DEFINED


@pytest.mark.xdist_group("spark")  # on the worker that builds Spark for the parity tests
def test_unit_tests_pass_on_spark(built_on_spark):
    assert _passed(_dbt_unit_tests(built_on_spark, SPARK_TARGET)) == DEFINED
