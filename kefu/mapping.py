"""Foreign extracts through a declarative mapping (``mappings/*.yml``).

A mapping says how another system's extract becomes one or more of our raw contracts:
which input format and encoding, which source columns feed which contract columns (a
rename, a constant, a value map, a date format, or a DuckDB expression for what those
cannot say), the time zone of its timestamps, the calendar its deadlines count in, and its
grain (the source columns that identify one record). The result is the same all-string
table a landing CSV gives, so typing, quarantine and the load log are the ingestor's,
unchanged: every input row is loaded or quarantined with a reason, per target.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import yaml

from kefu.contracts import Contract, contract
from kefu.csv_input import parse_csv
from kefu.sql import ident, literal

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
CALENDARS = {"cn_workdays", "calendar_days"}
WAREHOUSE_TIMEZONE = "Asia/Shanghai"
COLUMN_FORMS = {"from", "value", "sql"}
COLUMN_OPTIONS = {"map", "default", "format"}
OUT_FORMATS = {"date": "%Y-%m-%d", "timestamp": "%Y-%m-%d %H:%M:%S"}


class MappingError(ValueError):
    pass


@dataclass(frozen=True)
class Target:
    """One of our extracts fed by the mapping: contract column → how to compute it."""

    entity: str
    columns: dict[str, dict]
    grain: tuple[str, ...] = ()  # source columns that identify one record of this target
    timezone: str | None = None  # of the source's timestamps; converted to the warehouse's

    @property
    def contract(self) -> Contract:
        return contract(self.entity)

    def source_columns(self) -> set[str]:
        """Source columns named directly (an expression's columns are checked by DuckDB)."""
        return set(self.grain) | {c["from"] for c in self.columns.values() if "from" in c}


@dataclass(frozen=True)
class Mapping:
    path: Path
    sha256: str
    format: str | None
    encoding: str
    sheet: str | int
    targets: tuple[Target, ...]

    @property
    def label(self) -> str:
        """Name and checksum: a changed mapping is a different load of the same input."""
        return f"{self.path.name}@{self.sha256[:12]}"

    def input_format(self, path: Path) -> str:
        fmt = self.format or FORMATS.get(path.suffix.lower())
        if fmt not in set(FORMATS.values()):
            raise MappingError(
                f"{self.path}: cannot tell the format of {path}; set input.format "
                f"to one of {sorted(set(FORMATS.values()))}"
            )
        return fmt


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file; every mistake is named with the file and the key."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    doc = yaml.safe_load(text) or {}

    def fail(msg: str):
        raise MappingError(f"{path}: {msg}")

    if unknown := set(doc) - {"description", "source", "input", "timezone", "calendar", "targets"}:
        fail(f"unknown keys {sorted(unknown)}")
    source = doc.get("input") or {}
    calendar = doc.get("calendar", "cn_workdays")
    if calendar not in CALENDARS:
        fail(f"calendar {calendar!r} is not one of {sorted(CALENDARS)}")
    if not doc.get("targets"):
        fail("no targets: say which of our extracts this input feeds")
    targets = []
    for entity, body in doc["targets"].items():
        try:
            spec = contract(entity)
        except KeyError as e:
            fail(str(e))
        if unknown := set(body or {}) - {"grain", "columns"}:
            fail(f"target {entity}: unknown keys {sorted(unknown)}")
        columns = {
            name: ({"from": v} if isinstance(v, str) else dict(v)) for name, v in (body.get("columns") or {}).items()
        }
        for name, col in columns.items():
            if name not in spec.names:
                fail(f"target {entity}: {name} is not a column of the {entity} contract")
            if len(COLUMN_FORMS & set(col)) != 1:
                fail(f"target {entity}, column {name}: give exactly one of from / value / sql")
            if extra := set(col) - COLUMN_FORMS - COLUMN_OPTIONS:
                fail(f"target {entity}, column {name}: unknown keys {sorted(extra)}")
        if "deadline_calendar" in spec.names and "deadline_calendar" not in columns:
            columns["deadline_calendar"] = {"value": calendar}
        if missing := [c for c in spec.required if c not in columns]:
            fail(f"target {entity}: required contract column {', '.join(missing)} is not mapped")
        targets.append(Target(entity, columns, tuple(body.get("grain") or ()), doc.get("timezone")))
    return Mapping(
        path=path,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        format=source.get("format"),
        encoding=source.get("encoding", "auto"),
        sheet=source.get("sheet", 0),
        targets=tuple(targets),
    )


# -- reading any input as an all-string table --------------------------------------------
def read_input(mapping: Mapping, path: Path, data: bytes) -> tuple[pa.Table, list[tuple[int, str, str]], str]:
    """The input as strings, one column per source column plus ``_source_row`` (the row a
    person opening the file would point at: CSV record / sheet row with the header as 1,
    JSON Lines line number, Parquet row number from 1), the rows that could not be read at
    all as (row, reason, raw text) for quarantine, and the encoding seen."""
    fmt = mapping.input_format(path)
    if fmt == "csv":
        try:
            parsed = parse_csv(path, data, mapping.encoding)
        except UnicodeDecodeError as e:
            raise MappingError(
                f"{path}: byte {e.start} is not {mapping.encoding}, the encoding {mapping.path.name} names"
            ) from None
        return parsed.table, parsed.bad_rows, parsed.encoding
    if fmt == "jsonl":
        return _read_jsonl(path, data)
    con = duckdb.connect()
    try:
        if fmt == "parquet":
            con.execute(f"create view src as select * from read_parquet({literal(path)})")
        else:  # xlsx through pandas + openpyxl, every cell as text
            import pandas as pd

            frame = pd.read_excel(io.BytesIO(data), sheet_name=mapping.sheet, dtype=str, keep_default_na=False)
            con.register("src", frame)
        names = [r[0] for r in con.execute("describe src").fetchall()]
        first = 1 if fmt == "parquet" else 2  # a sheet's first data row is row 2, under the header
        strings = _as_table(
            con.execute(
                f"select {', '.join(f'cast({ident(n)} as varchar) as {ident(n)}' for n in names)}, "
                f"cast(row_number() over () + {first - 1} as bigint) as _source_row from src"
            ).arrow()
        )
    finally:
        con.close()
    return strings, [], fmt


def _read_jsonl(path: Path, data: bytes) -> tuple[pa.Table, list, str]:
    """Each line a JSON object; a line that is not one is a row that cannot be read."""
    lines = pa.array(data.decode("utf-8-sig", errors="replace").splitlines(), pa.string())
    con = duckdb.connect()
    try:
        con.register("lines", pa.table({"line": lines}))
        # json_type() raises on invalid JSON and SQL does not short-circuit: guard with case
        con.execute("""create temp table numbered as
                       select line, cast(row_number() over () as bigint) as _source_row,
                              coalesce(case when json_valid(line) then json_type(line) = 'OBJECT' end, false)
                                  as is_object
                       from lines""")
        keys = [
            r[0]
            for r in con.execute(
                """select key from (select unnest(json_keys(line)) as key, _source_row from numbered where is_object)
               group by key order by min(_source_row)"""
            ).fetchall()
        ]
        cols = ", ".join(
            f"json_extract_string(line, {literal('$.' + json.dumps(k, ensure_ascii=False))}) as {ident(k)}"
            for k in keys
        )
        strings = _as_table(
            con.execute(f"""select {cols + ", " if cols else ""}_source_row from numbered
                                            where is_object""").arrow()
        )
        bad = [
            (row, f"{path}, line {row}: not a JSON object", line)
            for line, row in con.execute(
                """select line, _source_row from numbered
               where trim(line) <> '' and not is_object"""
            ).fetchall()
        ]
    finally:
        con.close()
    return strings, bad, "utf-8"


def _as_table(reader_or_table) -> pa.Table:
    """DuckDB's .arrow() gives a reader in newer versions: read it before the next query."""
    return reader_or_table.read_all() if hasattr(reader_or_table, "read_all") else reader_or_table


# -- from source columns to a contract ---------------------------------------------------
def map_to_contract(mapping: Mapping, target: Target, strings: pa.Table, path: Path) -> tuple[pa.Table, list[str]]:
    """The target's contract columns as strings, computed in one DuckDB query; source
    columns the mapping does not use ride along (they end up in ``_extra``). A source
    column the mapping needs but the input lacks is a problem of every row."""
    spec = target.contract
    present = set(strings.column_names) - {"_source_row"}
    missing = sorted(target.source_columns() - present)
    warnings = []
    file_problem = (
        f"{path}, row 1: column {', '.join(missing)} named by {mapping.path.name} is not in the input"
        if missing
        else None
    )
    types = {c.name: c.type for c in spec.columns}
    exprs = []
    for name, col in target.columns.items():
        expr = "cast(null as varchar)" if file_problem else _column_expr(target, col, types[name])
        exprs.append(f"{expr} as {ident(name)}")
    # unused source columns ride along into _extra; one named like a contract column is renamed
    used = {c["from"] for c in target.columns.values() if "from" in c}
    exprs += [f"{ident(n)} as {ident('source_' + n if n in spec.names else n)}" for n in sorted(present - used)]
    problem = f"{literal(file_problem)}" if file_problem else "cast(null as varchar)"
    con = duckdb.connect()
    try:
        con.register("src", strings)
        try:
            mapped = _as_table(
                con.execute(
                    f"select {', '.join(exprs)}, _source_row, {problem} as _file_problem from src order by _source_row"
                ).arrow()
            )
        except duckdb.Error as e:
            raise MappingError(f"{mapping.path}: target {target.entity}: {str(e).splitlines()[0]}") from None
        if target.grain and not file_problem:
            warnings += _grain_check(con, target, path)
    finally:
        con.close()
    return mapped, warnings


def _grain_check(con: duckdb.DuckDBPyConnection, target: Target, where: Path) -> list[str]:
    """The target's grain (source columns) and its contract key must name the same records:
    one key per grain value and one grain value per key. Several input rows of one record
    (detail rows) are all loaded; staging keeps one per key."""
    spec = target.contract
    grain = "(" + ", ".join(ident(g) for g in target.grain) + ")"
    keys = ", ".join(f"{ident(k)} := {_column_expr(target, target.columns[k], 'string')}" for k in spec.grain)
    rows, n_grain, n_keys, n_pairs = con.execute(f"""
        select count(*), count(distinct g), count(distinct k), count(distinct (g, k))
        from (select {grain} as g, struct_pack({keys}) as k from src)""").fetchone()
    if not n_grain == n_keys == n_pairs:
        raise MappingError(
            f"{where}: target {spec.entity}: its grain ({', '.join(target.grain)}) and the "
            f"contract key ({', '.join(spec.grain)}) name different records: {n_grain:,} grain "
            f"values, {n_keys:,} keys, {n_pairs:,} pairs"
        )
    if rows == n_grain:
        return []
    return [
        f"{rows:,} input rows describe {n_grain:,} {spec.entity} (grain {', '.join(target.grain)}): "
        "every row is loaded; staging keeps the last row of each " + ", ".join(spec.grain)
    ]


def _column_expr(target: Target, col: dict, out_type: str) -> str:
    if "value" in col:
        return "cast(null as varchar)" if col["value"] is None else literal(col["value"])
    expr = f"cast(({col['sql']}) as varchar)" if "sql" in col else ident(col["from"])
    if "map" in col:
        cases = " ".join(f"when {literal(k)} then {'null' if v is None else literal(v)}" for k, v in col["map"].items())
        # unmapped values pass through, so the contract quarantines them by name
        other = ("null" if col["default"] is None else literal(col["default"])) if "default" in col else expr
        expr = f"case {expr} {cases} else {other} end"
    elif "default" in col:
        expr = f"coalesce(nullif(trim({expr}), ''), {literal(col['default'])})"
    if "format" in col or (target.timezone and out_type == "timestamp"):
        expr = _time_expr(target.timezone, expr, col.get("format"), out_type)
    return expr


def _time_expr(timezone: str | None, expr: str, fmt: str | None, out_type: str) -> str:
    """A date or timestamp in the source's format (and zone) as our ISO text. A value that
    does not parse is passed through unchanged, so typing quarantines it with its text."""
    v = f"nullif(trim({expr}), '')"
    parsed = f"try_strptime({v}, {literal(fmt)})" if fmt else f"try_cast({v} as timestamp)"
    has_time = fmt is None or any(d in fmt for d in ("%H", "%I", "%M", "%S"))
    if timezone and out_type == "timestamp" and has_time:
        parsed = f"timezone({literal(WAREHOUSE_TIMEZONE)}, timezone({literal(timezone)}, {parsed}))"
    return f"coalesce(strftime({parsed}, {literal(OUT_FORMATS.get(out_type, '%Y-%m-%d %H:%M:%S'))}), {v})"
