"""Synthetic operational extracts as an insurer's systems would export them (`kefu generate`).

The insurer itself (what happens, who, when) is ``kefu.synthetic``; this module writes it
out: org units and staff as one GBK file each (a legacy HR system), every other extract as
UTF-8 monthly files, except the period's last day, which is its own daily file carrying
corrections of recent rows (as a daily extract re-delivers what changed). Files are rendered
and written two at a time: Arrow's string kernels and CSV writer release the GIL, so the
threads use both cores, and only the files in flight are ever held as text.
"""

from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from kefu.synthetic import (
    COMPLAINT_CLASSES,
    DAY,
    LAST_DAY,
    OVERALL,
    PERIOD_MONTHS,
    PERIOD_START,
    Extract,
    Insurer,
    _mask,
    _timestamps,
)

PLANTED_FILE = "_planted.json"  # beside the extract folders: what tests must find in the marts
CORRECTION_DAYS = 61  # corrections concern records of the last two months before the day


def write_csv(table: pa.Table, path: Path, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    if encoding == "utf-8":
        pacsv.write_csv(table, tmp)
    else:
        # pyarrow writes UTF-8 only; the GBK extracts are small, so transcode in memory
        sink = pa.BufferOutputStream()
        pacsv.write_csv(table, sink)
        tmp.write_bytes(sink.getvalue().to_pybytes().decode("utf-8").encode(encoding))
    tmp.replace(path)


def _seconds(day: dt.date) -> int:
    return int(np.datetime64(day, "s").astype(np.int64))


def files_of(extract: Extract, out: Path) -> list[tuple[Path, np.ndarray, bool]]:
    """(path, row indices, carries corrections) of each file an extract is delivered in."""
    folder = out / extract.name
    if not extract.monthly:
        return [(folder / f"{extract.name}.csv", np.arange(extract.n), False)]
    day = _seconds(LAST_DAY)
    files = []
    months = np.datetime64(PERIOD_START, "M") + np.arange(PERIOD_MONTHS + 1)
    bounds = np.minimum(months.astype("datetime64[s]").astype(np.int64), day)
    cuts = np.searchsorted(extract.delivered, bounds)
    for month, a, b in zip(months[:-1], cuts[:-1], cuts[1:]):
        if b > a:
            files.append((folder / f"{extract.name}_{str(month).replace('-', '')}.csv", np.arange(a, b), False))
    last = np.searchsorted(extract.delivered, day)
    files.append((folder / f"{extract.name}_{LAST_DAY:%Y%m%d}.csv", np.arange(last, extract.n), True))
    return files


def correction_rows(extract: Extract, insurer: Insurer) -> np.ndarray:
    """A few recent rows (the last two months before the day) to re-deliver corrected."""
    if extract.name not in CORRECTIONS:
        return np.array([], np.int64)
    day = _seconds(LAST_DAY)
    a, b = np.searchsorted(extract.delivered, [day - CORRECTION_DAYS * DAY, day])
    if b == a:
        return np.array([], np.int64)
    rng = insurer.rng(f"corrections-{extract.name}")
    return np.sort(rng.choice(np.arange(a, b), min(b - a, max(3, (b - a) // 2000)), replace=False))


def _replace(rows: pa.Table, column: str, values) -> pa.Table:
    return rows.set_column(rows.schema.get_field_index(column), column, values)


def _seconds_of(rows: pa.Table, column: str) -> np.ndarray:
    return pc.strptime(rows[column], format="%Y-%m-%d %H:%M:%S", unit="s").to_numpy().astype(np.int64)


def _next_class(rows: pa.Table) -> pa.Array:
    classes = np.array(COMPLAINT_CLASSES)
    current = rows["complaint_class"].to_numpy(zero_copy_only=False)
    return pa.array(classes[(np.searchsorted(np.sort(classes), current) + 1) % 3])


# what a correction changes, per extract: a service event moved to another month, a
# reclassified complaint, a corrected time, a changed answer, a corrected amount
CORRECTIONS = {
    "service_events": lambda rows: _replace(
        _replace(rows, "occurred_at", _timestamps(_seconds_of(rows, "occurred_at") - 40 * DAY)),
        "outcome",
        pa.array(["transferred"] * rows.num_rows),
    ),
    "complaints": lambda rows: _replace(rows, "complaint_class", _next_class(rows)),
    "complaint_events": lambda rows: _replace(rows, "event_at", _timestamps(_seconds_of(rows, "event_at") + DAY)),
    "survey_responses": lambda rows: _replace(
        rows,
        "overall",
        _mask(pa.array(np.resize(np.array(OVERALL), rows.num_rows)), pc.is_valid(rows["overall"]).to_numpy()),
    ),
    "policies": lambda rows: _replace(rows, "premium", pc.multiply(rows["premium"], 2)),
    "claims": lambda rows: _replace(rows, "claimed_amount", pc.round(pc.multiply(rows["claimed_amount"], 1.1), 2)),
    "quality_inspections": lambda rows: _replace(
        rows, "forbidden_phrase_hits", pc.add(rows["forbidden_phrase_hits"], 1)
    ),
}


def generate(scale: float, seed: int, out: Path) -> dict[str, int]:
    """Write every extract under ``out/<extract>/`` and what was planted in ``out/_planted.json``;
    returns rows per extract (without the re-delivered corrections)."""
    insurer = Insurer(scale, seed)
    extracts = insurer.extracts()
    jobs = []
    for extract in extracts:
        for path, rows, corrected in files_of(extract, out):
            jobs.append((extract, path, rows, correction_rows(extract, insurer) if corrected else None))

    def write(job) -> None:
        extract, path, rows, corrections = job
        table = extract.render(rows)
        if corrections is not None and len(corrections):
            table = pa.concat_tables([table, CORRECTIONS[extract.name](extract.render(corrections))])
        write_csv(table, path, extract.encoding)

    # largest files first, so the two threads finish together
    jobs.sort(key=lambda job: -len(job[2]))
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(write, jobs))
    out.mkdir(parents=True, exist_ok=True)
    (out / PLANTED_FILE).write_text(json.dumps(insurer.planted, ensure_ascii=False, indent=2), encoding="utf-8")
    return {extract.name: extract.n for extract in extracts}


def planted(landing: Path) -> dict:
    """The patterns the generator planted in a landing folder (see kefu.synthetic)."""
    return json.loads((landing / PLANTED_FILE).read_text(encoding="utf-8"))


def daily_files(landing: Path) -> list[Path]:
    """The last day's files of the generated period (see files_of)."""
    return sorted(landing.glob(f"*/*_{LAST_DAY:%Y%m%d}.csv"))


@contextmanager
def daily_files_held_back(landing: Path):
    """Within the block, the last day's files are out of the landing folder: build the
    history first, then the day on top of it (a daily incremental run)."""
    held = landing.parent / "held_back"
    moved = []
    for path in daily_files(landing):
        target = held / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        path.replace(target)
        moved.append((target, path))
    try:
        yield [original for _, original in moved]
    finally:
        for target, original in moved:
            target.replace(original)
