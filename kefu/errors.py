"""Mistakes a person makes at the command line (a wrong flag, an empty workspace, an unknown
unit): `kefu` prints the message as one line and exits 1, never a traceback."""

from __future__ import annotations

from pathlib import Path

OUTPUT_SUFFIXES = (".csv", ".xlsx")


class UserError(Exception):
    pass


def output_path(value: str) -> Path:
    """An --out file we can write: CSV or XLSX, in a folder that exists."""
    path = Path(value)
    if path.suffix.lower() not in OUTPUT_SUFFIXES:
        raise UserError(f"--out {value}: write .csv or .xlsx (a working paper), not {path.suffix or 'no extension'}")
    if not path.parent.is_dir():
        raise UserError(f"--out {value}: the folder {path.parent} does not exist; create it or name another")
    return path
