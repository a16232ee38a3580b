"""Reading a delimited text extract as an all-string Arrow table, whatever its encoding.

Shared by the native ingest (our contracts' landing files) and mapped foreign extracts.
Row numbers are CSV record numbers with the header as row 1, as a spreadsheet shows them;
a row that cannot be parsed at all (wrong field count, a line in no known encoding) is
returned as (row, reason, text) for quarantine instead of stopping the load.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

UNDECODABLE = "__kefu_undecodable_line_{}__"


@dataclass
class ParsedCsv:
    table: pa.Table  # every column a string, plus _source_row
    header: list[str]
    encoding: str
    bad_rows: list[tuple[int, str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str, dict[int, bytes]]:
    """Text of a landing file, its encoding, and the lines that are neither UTF-8 nor GBK.

    A whole-file decode (C speed) is tried first; only a file that is neither wholly
    UTF-8 nor wholly GBK is decoded line by line, and a line that is neither becomes a
    marker row that the parser rejects, so it is quarantined with its own row number.
    """
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            return text, "utf-8" if encoding == "utf-8-sig" else "gbk", {}
        except UnicodeDecodeError:
            continue
    lines, bad = [], {}
    for number, line in enumerate(data.splitlines(keepends=True), 1):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                lines.append(line.decode(encoding))
                break
            except UnicodeDecodeError:
                continue
        else:
            bad[number] = line
            lines.append(UNDECODABLE.format(number) + "\n")
    return "".join(lines), "mixed utf-8/gbk", bad


def parse_csv(path: Path | str, data: bytes, encoding: str = "auto") -> ParsedCsv:
    """``encoding`` auto tells UTF-8 (with or without BOM), GBK and mixed files apart;
    a named encoding is used as it is (a byte that is not in it fails the whole file)."""
    if encoding == "auto":
        text, seen, undecodable = decode(data)
    else:
        text, seen, undecodable = data.decode(encoding).removeprefix("\ufeff"), encoding, {}
    warnings = [f"{path}: lines are in different encodings; decoded line by line"] if seen.startswith("mixed") else []
    first_line = text[: text.find("\n") + 1 if "\n" in text else len(text)]
    try:
        header = next(csv.reader(io.StringIO(first_line)), [])
    except csv.Error as e:
        # e.g. a bare carriage return inside the header line: no column name can be trusted, so
        # the line stands as one unusable name and every row goes to quarantine with a reason
        warnings.append(f"{path}, row 1: the header cannot be read ({e})")
        header = [first_line.strip() or "?"]
    if not header:
        warnings.append(f"{path}: empty file, no header")
        return ParsedCsv(pa.table({"_source_row": pa.array([], pa.int64())}), [], seen, [], warnings)
    # clean UTF-8 without BOM goes to the parser as it came, without a re-encode
    utf8 = data if seen == "utf-8" and not data.startswith(b"\xef\xbb\xbf") else text.encode("utf-8")
    bad_rows: list[tuple[int, str, str]] = []

    def on_invalid(row) -> str:
        marker = row.text.strip()
        if marker.startswith("__kefu_undecodable_line_"):
            line = int(marker.rsplit("_", 3)[-3])
            bad_rows.append(
                (
                    row.number,
                    f"{path}, row {row.number}: line {line} is neither UTF-8 nor GBK",
                    undecodable[line].decode("utf-8", "backslashreplace"),
                )
            )
        else:
            bad_rows.append(
                (
                    row.number,
                    f"{path}, row {row.number}: has {row.actual_columns} fields, the header has {row.expected_columns}",
                    row.text,
                )
            )
        return "skip"

    names = unique_names(header)
    body = text.find("\n") + 1
    if not body or not re.compile(r"\S").search(text, body):  # a header and nothing else
        return ParsedCsv(
            pa.table({**{n: pa.array([], pa.string()) for n in names}, "_source_row": pa.array([], pa.int64())}),
            header,
            seen,
            [],
            warnings,
        )
    try:
        table = pacsv.read_csv(
            io.BytesIO(utf8),
            # Serial parsing: pyarrow knows the record number of a skipped row only then.
            read_options=pacsv.ReadOptions(use_threads=False, column_names=names, skip_rows=1, block_size=1 << 26),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as e:
        warnings.append(f"{path}: the fast CSV parser gave up ({e}); read record by record instead")
        bad_rows.clear()
        table = _parse_slowly(path, text, names, bad_rows)
    # record numbers of the kept rows: all records from 2 (the header is 1) minus the rejected
    total = table.num_rows + len(bad_rows)
    rows = np.setdiff1d(np.arange(2, total + 2), np.array([b[0] for b in bad_rows], dtype=np.int64))
    table = table.append_column("_source_row", pa.array(rows, pa.int64()))
    if text.count('"') % 2 and table.num_rows and (not bad_rows or rows[-1] > max(b[0] for b in bad_rows)):
        # quotes come in pairs ("" inside a field too): an odd count means the file ends inside
        # a quoted field, which the parser closes silently; the last record was cut off
        last = table.slice(table.num_rows - 1).to_pylist()[0]
        bad_rows.append(
            (
                int(rows[-1]),
                f"{path}, row {rows[-1]}: the file ends inside a quoted field (cut off in transfer?)",
                ",".join(str(v) for k, v in last.items() if k != "_source_row"),
            )
        )
        table = table.slice(0, table.num_rows - 1)
    return ParsedCsv(table, header, seen, bad_rows, warnings)


def _parse_slowly(path, text: str, names: list[str], bad_rows: list) -> pa.Table:
    """Python's csv module, which reads anything, for the rare file pyarrow refuses: a row
    loop, but only over a file that is broken already. Numbers records as pyarrow does."""
    records = csv.reader(io.StringIO(text))
    next(records)
    columns: list[list[str]] = [[] for _ in names]
    number = 1
    for record in records:
        if not record:
            continue  # a blank line is not a record
        number += 1
        if len(record) != len(names):
            bad_rows.append(
                (
                    number,
                    f"{path}, row {number}: has {len(record)} fields, the header has {len(names)}",
                    ",".join(record),
                )
            )
            continue
        for column, value in zip(columns, record):
            column.append(value)
    return pa.table({n: pa.array(c, pa.string()) for n, c in zip(names, columns)})


def unique_names(header: list[str]) -> list[str]:
    """A repeated header name gets a suffix (name__2), so no column silently shadows another;
    an empty one is named by its position (column_3); control characters are spelt out."""
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(header, 1):
        h = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in h) or f"column_{i}"
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h}__{seen[h]}")
    return out
