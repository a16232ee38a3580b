"""Landing files → typed Parquet in ``lake/raw/<entity>/`` (+ ``lake/quarantine/<entity>/``).

Every source row is accounted for: it is either loaded (with its load id, source file,
source row number and file checksum) or quarantined with a reason naming the file, row
and column. The load log (``lake/loads/``) records rows read / loaded / quarantined per
file and doubles as the checksum registry, so a file delivered twice is loaded once.

Typing is one set-based DuckDB query per file over an all-string Arrow table; Python
never loops over rows except over rows that are already broken (the error path).
Row numbers are CSV record numbers with the header as row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from kefu.contracts import Column, Contract, contract, contracts
from kefu.csv_input import parse_csv
from kefu.mapping import Mapping, map_to_contract, read_input
from kefu.sql import ident, literal
from kefu.vault import Vault
from kefu.workspace import Workspace

DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"]
# the date formats read in timestamp columns too (a day alone is its midnight)
TIMESTAMP_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y%m%d %H:%M:%S",
    "%Y%m%d%H%M%S",
    *DATE_FORMATS,
]
TRUE_VALUES = ["1", "true", "t", "y", "yes", "是"]
FALSE_VALUES = ["0", "false", "f", "n", "no", "否"]
SQL_TYPES = {
    "string": "varchar",
    "int": "bigint",
    "decimal": "decimal(18,2)",
    "date": "date",
    "timestamp": "timestamp",
    "bool": "boolean",
}
# Empty file with the contract schema. Not "_schema": Spark hides files starting with "_".
SCHEMA_FILE = "schema.parquet"
BEIJING = ZoneInfo("Asia/Shanghai")
CLOCK_TOLERANCE = dt.timedelta(hours=1)  # source systems' clocks run a little ahead
LOAD_COLUMNS = {
    "_load_id": "varchar",
    "_source_file": "varchar",
    "_source_row": "bigint",
    "_file_sha256": "varchar",
    "_loaded_at": "timestamp",
}


@dataclass
class LoadResult:
    load_id: str
    entity: str
    source_file: str
    file_sha256: str
    encoding: str = ""
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    mapping: str = ""  # the mapping file (name@checksum) a foreign extract came through
    file_stat: str = ""  # "size:mtime_ns" of the landing file when it was read (see landing_registry)
    duplicate_of: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_quarantined


# -- typing ---------------------------------------------------------------------------
def _typed_expr(col: Column, raw: str) -> str:
    v = f"nullif(trim({raw}), '')"
    match col.type:
        case "string":
            return v
        case "int":
            return f"try_cast({v} as bigint)"
        case "decimal":
            return f"try_cast({v} as decimal(18,2))"
        case "date":
            return f"cast(try_strptime({v}, [{', '.join(map(literal, DATE_FORMATS))}]) as date)"
        case "timestamp":
            return f"try_strptime({v}, [{', '.join(map(literal, TIMESTAMP_FORMATS))}])"
        case "bool":
            return (
                f"case when lower({v}) in ({', '.join(map(literal, TRUE_VALUES))}) then true "
                f"when lower({v}) in ({', '.join(map(literal, FALSE_VALUES))}) then false end"
            )
    raise ValueError(col.type)


def _problem_exprs(col: Column, raw: str, typed: str, latest: dt.datetime) -> list[str]:
    """SQL expressions that give a message when the column is wrong in a row, else null.
    ``latest``: the latest believable time of an event (the load, in Beijing time)."""
    v = f"nullif(trim({raw}), '')"
    name = col.name
    out = []
    if col.required:
        out.append(f"case when {v} is null then 'column {name}: required value is missing' end")
    if col.type != "string":
        out.append(
            f"case when {v} is not null and {typed} is null then "
            f"'column {name}: cannot read ''' || {v} || ''' as {col.type}' end"
        )
    if col.allowed is not None:
        allowed = ", ".join(literal(a) for a in col.allowed)
        out.append(
            f"case when {typed} is not null and {typed} not in ({allowed}) then "
            f"'column {name}: value ''' || {v} || ''' is not one of the allowed values' end"
        )
    if col.min is not None:
        out.append(
            f"case when {typed} < {col.min} then "
            f"'column {name}: value ' || {v} || ' is below the minimum {col.min:g}' end"
        )
    if col.not_future:
        bound = f"date '{latest:%Y-%m-%d}'" if col.type == "date" else f"timestamp '{latest:%Y-%m-%d %H:%M:%S}'"
        out.append(
            f"case when {typed} > {bound} then 'column {name}: ' || {v} || ' is in the future "
            f"(the file was loaded at {latest:%Y-%m-%d %H:%M} Beijing time)' end"
        )
    return out


# -- one file -------------------------------------------------------------------------
class Ingestor:
    def __init__(self, ws: Workspace):
        self.ws = ws.ensure()

    def known_checksums(self, log: list[tuple] | None = None) -> dict[tuple[str, str, str], str]:
        """(extract, file checksum, mapping) of every committed load → the file it came from.
        ``log``: the load log when the caller has read it already (see _load_log)."""
        log = self._load_log() if log is None else log
        return {(entity, sha, mapping): source for entity, sha, mapping, source, _ in log}

    def landing_registry(
        self, log: list[tuple] | None = None, entity: str | None = None
    ) -> dict[tuple[str, str, str], str]:
        """(extract, landing file, "size:mtime_ns") of every committed landing-file load →
        its checksum. A landing file whose size and modification time are those it had when
        it was loaded is taken to be the same file, without reading it again (the test git
        and rsync use): the landing folder keeps every month's files, and hashing them all
        again cost a scale-100 daily run ~20 s. Rewriting a file in place with the same size
        and the same nanosecond timestamp would go unnoticed. ``entity``: one extract's only."""
        log = self._load_log(entity) if log is None else log
        registry = {(extract, source, stat): sha for extract, sha, mapping, source, stat in log if not mapping and stat}
        return {**self._seen_duplicates(entity), **registry}

    def _seen_duplicates(self, entity: str | None = None) -> dict[tuple[str, str, str], str]:
        """Landing files skipped as copies of loaded ones, as landing_registry keys them."""
        files = [str(p) for p in self.ws.duplicates.glob(f"{entity or '*'}/*.parquet")]
        if not files:
            return {}
        rows = duckdb.execute(
            "select entity, source_file, file_stat, file_sha256 from read_parquet(?)", [files]
        ).fetchall()
        return {(entity, source, stat): sha for entity, source, stat, sha in rows}

    def _remember_duplicate(self, result: LoadResult) -> None:
        """Record a landing file skipped as a copy (a file copied under another name, a moved
        workspace): without it the file would look new to every sensor tick and start runs
        that load nothing. Named by path and stat, so a second sighting writes nothing."""
        stat = result.file_stat or _file_stat(Path(result.source_file))
        name = hashlib.sha256(f"{result.source_file}|{stat}".encode()).hexdigest()[:24]
        target = self.ws.duplicates / result.entity / f"{name}.parquet"
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        row = {
            "entity": result.entity,
            "source_file": result.source_file,
            "file_stat": stat,
            "file_sha256": result.file_sha256,
            "duplicate_of": result.duplicate_of,
        }
        tmp = target.with_suffix(".parquet.tmp")
        pq.write_table(pa.Table.from_pylist([row]), tmp)
        tmp.replace(target)

    def _load_log(self, entity: str | None = None) -> list[tuple[str, str, str, str, str]]:
        """(extract, checksum, mapping, source file, file stat) of every committed load, or of
        one extract's (all its own step needs: reading every extract's log in each of the 13
        steps cost a test-scale day ~1.7 s); logs written before file_stat existed have none."""
        files = [str(p) for p in (self.ws.loads / entity if entity else self.ws.loads).rglob("*.parquet")]
        if not files:
            return []
        log = duckdb.execute("select * from read_parquet(?, union_by_name = true)", [files]).fetch_arrow_table()

        def column(name: str) -> list[str]:
            return [v or "" for v in log.column(name).to_pylist()] if name in log.column_names else [""] * log.num_rows

        return list(zip(*(column(name) for name in ("entity", "file_sha256", "mapping", "source_file", "file_stat"))))

    def ingest_file(
        self,
        entity: str,
        path: Path,
        known: dict[str, str] | None = None,
        now: dt.datetime | None = None,
        sha: str | None = None,
    ) -> LoadResult:
        """Load one landing file. ``sha``: its checksum when the caller knows it already; a
        file whose checksum a committed load has is then not read at all."""
        now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
        known = self.known_checksums() if known is None else known
        if sha and (entity, sha, "") in known:
            result = LoadResult(
                f"{now:%Y%m%dT%H%M%S%f}-{sha[:8]}", entity, str(path), sha, duplicate_of=known[(entity, sha, "")]
            )
            self._remember_duplicate(result)
            return result
        spec = contract(entity)
        stat = _file_stat(path)  # before reading: a file changed while being read gets hashed again next time
        data = path.read_bytes()
        sha = _sha256(data)
        load_id = f"{now:%Y%m%dT%H%M%S%f}-{sha[:8]}"
        result = LoadResult(load_id, entity, str(path), sha, file_stat=stat)
        if (entity, sha, "") in known:
            result.duplicate_of = known[(entity, sha, "")]
            self._remember_duplicate(result)
            return result

        parsed = parse_csv(path, data)
        result.encoding = parsed.encoding
        result.warnings += parsed.warnings
        problem = self._header_problem(spec, parsed.header, path) if parsed.header else None
        strings = parsed.table.append_column("_file_problem", pa.array([problem] * parsed.table.num_rows, pa.string()))
        if parsed.header:
            for extra in sorted(set(strings.column_names) - set(spec.names) - {"_source_row", "_file_problem"}):
                result.warnings.append(
                    f"{path}, row 1, column {extra}: not in the {spec.entity} contract; kept in _extra, not typed"
                )
        self._load(spec, strings, parsed.bad_rows, result, now)
        return result

    def ingest_mapped(self, mapping: Mapping, path: Path, now: dt.datetime | None = None) -> list[LoadResult]:
        """Load a foreign extract into each of the mapping's targets: one load per target,
        each with every input row loaded or quarantined. The checksum registry keys on the
        input and the mapping, so a corrected mapping reloads the same input."""
        path = Path(path)
        data = path.read_bytes()
        sha = _sha256(data)
        now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
        known = self.known_checksums()
        results = []
        strings = bad_rows = encoding = None
        for i, target in enumerate(mapping.targets):
            self.remove_uncommitted(target.entity)
            self.ensure_readable_source(target.entity)
            at = now + dt.timedelta(microseconds=i)
            result = LoadResult(f"{at:%Y%m%dT%H%M%S%f}-{sha[:8]}", target.entity, str(path), sha, mapping=mapping.label)
            results.append(result)
            if (target.entity, sha, mapping.label) in known:
                result.duplicate_of = known[(target.entity, sha, mapping.label)]
                continue
            if strings is None:
                strings, bad_rows, encoding = read_input(mapping, path, data)
            result.encoding = encoding
            mapped, result.warnings = map_to_contract(mapping, target, strings, path)
            self._load(target.contract, mapped, bad_rows, result, at, repeats_allowed=bool(target.grain))
        return results

    def _header_problem(self, spec: Contract, header: list[str], path: Path) -> str | None:
        """A problem of the whole file (every row goes to quarantine with it), or None."""
        duplicated = sorted({h for h in header if header.count(h) > 1})
        if duplicated:
            return f"{path}, row 1: column {', '.join(duplicated)} appears more than once in the header"
        missing = [c for c in spec.required if c not in header]
        if missing:
            return f"{path}, row 1: required column {', '.join(missing)} is missing from the header"
        return None

    def _load(
        self,
        spec: Contract,
        strings: pa.Table,
        bad_rows: list[tuple[int, str, str]],
        result: LoadResult,
        now: dt.datetime,
        repeats_allowed: bool = False,
    ) -> None:
        """Type an all-string table (+ _source_row, _file_problem) against the contract and
        commit the load: typed rows to the raw lake, the rest to quarantine with reasons.
        ``repeats_allowed``: several rows may describe one record (a mapping's grain)."""
        rejected = _rejected_table(bad_rows)
        con = duckdb.connect()
        try:
            con.execute("set preserve_insertion_order = true")
            con.register("src", strings)
            con.register("rejected", rejected)
            self._write(con, spec, strings, rejected.num_rows, result, now, repeats_allowed)
        finally:
            con.close()

    @staticmethod
    def _quarantine_repeated_keys(con: duckdb.DuckDBPyConnection, spec: Contract) -> None:
        """A key twice in one file is ambiguous: the last good row is kept (as a later file
        would win), the earlier ones are quarantined pointing at it."""
        keys = ", ".join(ident(k) for k in spec.grain)
        names = spec.grain[0] if len(spec.grain) == 1 else "(" + ", ".join(spec.grain) + ")"
        quote = literal("'")  # a single quote as an SQL literal
        values = " || ', ' || ".join(
            f"{quote} || coalesce(cast({ident(k)} as varchar), '') || {quote}" for k in spec.grain
        )
        if len(spec.grain) > 1:
            values = f"'(' || {values} || ')'"
        con.execute(f"""
            update checked set _problem = {literal(names + " ")} || d.key_text || ' is repeated in row '
                                          || d.last_row || ' of this file, which is kept'
            from (select _source_row as row_no, max(_source_row) over (partition by {keys}) as last_row,
                         {values} as key_text
                  from checked where _problem is null) d
            where checked._source_row = d.row_no and d.row_no < d.last_row""")

    def _write(
        self,
        con: duckdb.DuckDBPyConnection,
        spec: Contract,
        strings: pa.Table,
        rejected_rows: int,
        result: LoadResult,
        now: dt.datetime,
        repeats_allowed: bool = False,
    ) -> None:
        present = set(strings.column_names)
        path = result.source_file
        typed, problems = [], []
        for col in spec.columns:
            raw = ident(col.name) if col.name in present else "cast(null as varchar)"
            expr = _typed_expr(col, raw)
            typed.append(f"cast({expr} as {SQL_TYPES[col.type]}) as {ident(col.name)}")
            problems += _problem_exprs(col, raw, expr, _beijing(now) + CLOCK_TOLERANCE)
        extras = sorted(present - set(spec.names) - {"_source_row", "_file_problem"})
        extra_json = (
            f"to_json(struct_pack({', '.join(f'{ident(e)} := {ident(e)}' for e in extras)}))"
            if extras
            else "cast(null as varchar)"
        )
        meta = (
            f"{literal(result.load_id)} as _load_id, {literal(path)} as _source_file, _source_row, "
            f"{literal(result.file_sha256)} as _file_sha256, timestamp {literal(now.isoformat(sep=' '))} as _loaded_at"
        )
        row_problem = f"concat_ws('; ', {', '.join(problems)})" if problems else "''"
        con.execute(f"""
            create temp table checked as
            select {", ".join(typed)}, {extra_json} as _extra, {meta},
                   coalesce(_file_problem, nullif({row_problem}, '')) as _problem
            from src""")
        if not repeats_allowed:
            self._quarantine_repeated_keys(con, spec)
        vault_tmp, raw_record = self._to_vault(con, spec, strings, result.load_id)
        raw_dir = self.ws.raw / spec.entity
        quarantine_dir = self.ws.quarantine / spec.entity
        raw_dir.mkdir(parents=True, exist_ok=True)
        quarantine_dir.mkdir(parents=True, exist_ok=True)
        raw_tmp = raw_dir / f"{result.load_id}.parquet.tmp"
        q_tmp = quarantine_dir / f"{result.load_id}.parquet.tmp"
        con.execute(f"""copy (select * exclude (_problem) from checked where _problem is null
                              order by _source_row) to {literal(raw_tmp)} (format parquet)""")
        con.execute(f"""copy (
            select _load_id, _source_file, checked._source_row, _file_sha256, _loaded_at,
                   {literal(path + ", row ")} || checked._source_row || ': ' || _problem as reason,
                   {raw_record} as raw_record  -- the row as it came (PII as tokens), for the person who fixes it
            from checked join src on src._source_row = checked._source_row
            where _problem is not null
            union all
            select {literal(result.load_id)}, {literal(path)}, source_row, {literal(result.file_sha256)},
                   timestamp {literal(now.isoformat(sep=" "))}, reason, rejected_record from rejected_rows
            order by _source_row) to {literal(q_tmp)} (format parquet)""")
        loaded, bad = con.execute(
            "select count(*) filter (where _problem is null), count(*) filter (where _problem is not null) from checked"
        ).fetchone()
        result.rows_loaded = loaded
        result.rows_quarantined = bad + rejected_rows
        result.rows_read = strings.num_rows + rejected_rows
        self._commit(result, raw_tmp, q_tmp, now, vault_tmp)

    def _to_vault(
        self, con: duckdb.DuckDBPyConnection, spec: Contract, strings: pa.Table, load_id: str
    ) -> tuple[Path | None, str]:
        """Move the load's personal data (columns marked pii) to the vault: the clear values of
        every row, loaded or quarantined, and of unreadable lines, go to the vault; the lake
        keeps tokens (kefu/vault.py). Returns the vault's temporary file and the SQL of the
        quarantined rows' raw_record (the row as it came, its PII as tokens)."""
        pii = [c.name for c in spec.columns if c.pii]
        con.execute("create temp view rejected_rows as select *, raw_record as rejected_record from rejected")
        if not pii:
            return None, "to_json(src)"
        vault = Vault(self.ws)
        present = [c for c in pii if c in strings.column_names]
        values = [f"select {literal(c)} as pii_column, {ident(c)} as value from checked" for c in pii]
        values += [f"select {literal(c)}, {ident(c)} from src" for c in present]
        values += ["select '_unreadable_line', json_extract_string(raw_record, '$.text') from rejected"]
        tmp = vault.write(con, spec.entity, load_id, " union all ".join(values))
        con.execute("update checked set " + ", ".join(f"{ident(c)} = {vault.token_sql(ident(c))}" for c in pii))
        con.execute(f"""create or replace temp view rejected_rows as select *, json_object('text',
                        {vault.token_sql("json_extract_string(raw_record, '$.text')")}) as rejected_record
                        from rejected""")
        fields = ", ".join(
            f"{ident(c)} := {vault.token_sql('src.' + ident(c)) if c in pii else 'src.' + ident(c)}"
            for c in strings.column_names
        )
        return tmp, f"to_json(struct_pack({fields}))"

    def _commit(
        self, result: LoadResult, raw_tmp: Path, q_tmp: Path, now: dt.datetime, vault_tmp: Path | None = None
    ) -> None:
        """Publish the load: data files first (the vault's before the lake's), the load-log
        entry last. A crash before the log entry leaves files without a log entry, which the
        next run removes."""
        if vault_tmp:
            Vault.commit(vault_tmp)
        raw_tmp.replace(raw_tmp.with_suffix(""))
        if result.rows_quarantined:
            q_tmp.replace(q_tmp.with_suffix(""))
        else:
            q_tmp.unlink()
        log = {k: v for k, v in asdict(result).items() if k != "duplicate_of"}
        log["warnings"] = json.dumps(result.warnings, ensure_ascii=False)
        log["loaded_at"] = now
        log_dir = self.ws.loads / result.entity
        log_dir.mkdir(parents=True, exist_ok=True)
        log_tmp = log_dir / f"{result.load_id}.parquet.tmp"
        pq.write_table(pa.Table.from_pylist([log]), log_tmp)
        log_tmp.replace(log_tmp.with_suffix(""))

    # -- the landing folder ------------------------------------------------------------
    def remove_uncommitted(self, entity: str) -> list[Path]:
        """Delete an extract's data files of loads that never reached the load log (a
        crashed run). Scoped to one extract, so extracts can load in parallel."""
        committed = {p.name.removesuffix(".parquet") for p in (self.ws.loads / entity).glob("*.parquet")}
        removed = []
        for folder in (
            self.ws.raw / entity,
            self.ws.quarantine / entity,
            self.ws.loads / entity,
            Vault(self.ws).root / entity,
        ):
            for p in folder.glob("*.parquet*"):
                stem = p.name.split(".parquet")[0]
                if p.name.endswith(".tmp") or (stem not in committed and p.name != SCHEMA_FILE):
                    p.unlink()
                    removed.append(p)
        return removed

    def ensure_readable_source(self, entity: str) -> None:
        """Give an extract an empty Parquet file with its contract schema, so the raw lake
        is readable (by dbt on any engine) before the extract's first load."""
        folder = self.ws.raw / entity
        folder.mkdir(parents=True, exist_ok=True)
        schema_file = folder / SCHEMA_FILE
        if not schema_file.exists():
            spec = contract(entity)
            cols = [f"cast(null as {SQL_TYPES[c.type]}) as {ident(c.name)}" for c in spec.columns]
            cols += ["cast(null as varchar) as _extra"]
            cols += [f"cast(null as {t}) as {n}" for n, t in LOAD_COLUMNS.items()]
            duckdb.sql(f"copy (select {', '.join(cols)} limit 0) to {literal(schema_file)} (format parquet)")

    def ingest_extract(self, entity: str) -> list[LoadResult]:
        """Load every landing file of one extract not loaded before, in file-name order
        (so a later file's corrections get a later load id and win)."""
        self.remove_uncommitted(entity)
        self.ensure_readable_source(entity)
        log = self._load_log(entity)
        known, loaded_files = self.known_checksums(log), self.landing_registry(log, entity)
        started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        jobs, first_seen = [], {}
        for i, path in enumerate(sorted((self.ws.landing / entity).glob("*.csv"))):
            sha = loaded_files.get((entity, str(path), _file_stat(path))) or _sha256(path)
            earlier = first_seen.setdefault(sha, path)
            # the same file twice in one batch: the second copy is a duplicate of the first
            seen = known if earlier == path else {**known, (entity, sha, ""): str(earlier)}
            # load times follow file-name order, so a later file's corrections win
            jobs.append((path, seen, started + dt.timedelta(microseconds=i), sha))
        # two files at a time: pyarrow and DuckDB release the GIL, so threads use both cores
        with ThreadPoolExecutor(max_workers=2) as pool:
            return list(pool.map(lambda job: self.ingest_file(entity, *job), jobs))

    def pending_files(self) -> list[str]:
        """Landing files no committed load has read as they are now ("file size:mtime") and
        no load has skipped as a copy of a loaded file: new, or changed since."""
        loaded = set(self.landing_registry())
        return sorted(
            f"{path}|{_file_stat(path)}"
            for entity in sorted(contracts())
            for path in (self.ws.landing / entity).glob("*.csv")
            if (entity, str(path), _file_stat(path)) not in loaded
        )

    def ingest_landing(self) -> list[LoadResult]:
        return [r for entity in sorted(contracts()) for r in self.ingest_extract(entity)]


def _beijing(utc: dt.datetime) -> dt.datetime:
    """Source timestamps are Beijing wall-clock time; load times are naive UTC."""
    return utc.replace(tzinfo=dt.UTC).astimezone(BEIJING).replace(tzinfo=None)


def _file_stat(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def _sha256(data: bytes | Path) -> str:
    return hashlib.sha256(data if isinstance(data, bytes) else data.read_bytes()).hexdigest()


def _rejected_table(bad_rows: list[tuple[int, str, str]]) -> pa.Table:
    return pa.table(
        {
            "source_row": pa.array([b[0] for b in bad_rows], pa.int64()),
            "reason": pa.array([b[1] for b in bad_rows], pa.string()),
            "raw_record": pa.array([json.dumps({"text": b[2]}, ensure_ascii=False) for b in bad_rows], pa.string()),
        }
    )
