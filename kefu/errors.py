"""Mistakes a person makes at the command line (a wrong flag, an empty workspace, an unknown
unit): `kefu` prints the message as one line and exits 1, never a traceback."""

from __future__ import annotations

from pathlib import Path

OUTPUT_SUFFIXES = (".csv", ".xlsx")


class UserError(Exception):
    pass


class PipelineFailed(RuntimeError):
    """A pipeline run that failed (a failed dbt test, a blocking check, a threshold passed):
    its message names the step and the rows. Here, not in kefu.pipeline, so that `kefu`
    catches it without importing Dagster and dbt for every command (3 s of each start)."""


def output_path(value: str, suffixes: tuple[str, ...] = OUTPUT_SUFFIXES, what: str = "a working paper") -> Path:
    """An --out file we can write: by default CSV or XLSX, in a folder that exists."""
    path = Path(value)
    if path.suffix.lower() not in suffixes:
        raise UserError(f"--out {value}: write {' or '.join(suffixes)} ({what}), not {path.suffix or 'no extension'}")
    if not path.parent.is_dir():
        raise UserError(f"--out {value}: the folder {path.parent} does not exist; create it or name another")
    return path
