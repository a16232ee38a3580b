"""Customers' names, ID numbers and phones live only in the vault (#7 §4): not in the lake
(raw, quarantine, load log), not in any schema of the warehouse, not in the published
snapshot; an inspector's lookup (`kefu sample --reveal`) is logged."""

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd

from kefu.contracts import contract, contracts
from kefu.ingest import Ingestor
from kefu.vault import TOKEN_PREFIX
from tests.independent import delivered

PII_EXTRACTS = [e for e in sorted(contracts()) if any(c.pii for c in contract(e).columns)]


def clear_values(
    landing: Path, columns: tuple[str, ...] = ("customer_name", "customer_id_no", "customer_phone")
) -> set[str]:
    """Every name, ID number and phone the landing files hold, read from the files themselves."""
    values = set()
    for extract in PII_EXTRACTS:
        rows = delivered(landing, extract)
        for column in (c.name for c in contract(extract).columns if c.pii and c.name in columns):
            values |= {v.strip() for v in rows[column] if v.strip()}
    return values


def leaks(con: duckdb.DuckDBPyConnection, relations: list[tuple[str, str]]) -> list[str]:
    """(relation, column) pairs of text columns holding any clear value, with an example."""
    found = []
    for relation, column in relations:
        hit = con.execute(f"select {column} from {relation} where {column} in (select v from clear) limit 1").fetchone()
        if hit:
            found.append(f"{relation}.{column}: {hit[0]}")
    return found


def test_no_id_number_or_phone_in_clear_outside_the_vault(built):
    """Every text column of every Parquet file of the lake, every table and view of every
    schema of the warehouse and of the published snapshot, against every ID number and
    phone the landing files hold (names are checked where they are kept: a customer's name
    may be a member of staff's too, which is not personal data the vault keeps)."""
    clear = clear_values(built.landing, ("customer_id_no", "customer_phone"))
    assert len(clear) > 1000
    con = duckdb.connect()
    con.register("clear", pd.DataFrame({"v": sorted(clear)}))

    lake_files = sorted(p for p in (built.home / "lake").rglob("*.parquet"))
    assert {"raw", "loads"} <= {p.parts[-3] for p in lake_files}
    relations = []
    for path in lake_files:
        columns = con.execute(
            f"select column_name from (describe select * from read_parquet('{path}')) where column_type = 'VARCHAR'"
        ).fetchall()
        relations += [(f"read_parquet('{path}')", f'"{c}"') for (c,) in columns]
    assert leaks(con, relations) == []

    for database in (built.warehouse_file, built.published_file):
        con.execute(f"attach '{database}' as kefu (read_only)")  # the name the warehouse's views use
        columns = con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where database_name = 'kefu' and data_type = 'VARCHAR'"
        ).fetchall()
        assert columns
        assert leaks(con, [(f'kefu."{s}"."{t}"', f'"{c}"') for s, t, c in columns]) == []
        con.execute("detach kefu")

    vault = built.home / "vault"
    assert vault.stat().st_mode & 0o777 == 0o700
    files = list(vault.glob("*/*.parquet"))
    assert files and all(f.stat().st_mode & 0o777 == 0o600 for f in files)
    in_vault = {v for (v,) in con.execute(f"select value from read_parquet({[str(f) for f in files]})").fetchall()}
    # nothing lost: every clear value is kept, names too, for the lawful lookup
    assert clear_values(built.landing) <= in_vault


def test_the_lake_holds_tokens_that_match_across_loads(built):
    for extract in PII_EXTRACTS:
        for column in (c.name for c in contract(extract).columns if c.pii):
            values = duckdb.sql(
                f"select distinct {column} from read_parquet('{built.raw}/{extract}/*.parquet') "
                f"where {column} is not null"
            ).fetchall()
            assert values and all(v.startswith(TOKEN_PREFIX) and len(v) == len(TOKEN_PREFIX) + 64 for (v,) in values)
    raw = duckdb.sql(
        f"select customer_id_no from read_parquet('{built.raw}/complaints/*.parquet') where customer_id_no is not null"
    ).fetchall()
    # the repeat complainants the generator planted still share one token
    assert len({v for (v,) in raw}) < len(raw)


def test_an_inspectors_lookup_reveals_the_clear_values_and_is_logged(built, tmp_path):
    with duckdb.connect(str(built.published_file), read_only=True) as con:
        period = con.execute("select max(period_month) from kpi_complaint_rate where numerator > 0").fetchone()[0]
    kefu = str(Path(sys.executable).parent / "kefu")
    refused = subprocess.run(
        [kefu, "sample", "--org", "HQ", "--period", period, "--n", "3", "--reveal"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert refused.returncode == 1 and refused.stderr.strip() == (
        "kefu sample: --reveal needs --reason (why the clear data is looked up: it is logged)"
    )
    out = tmp_path / "revealed.csv"
    done = subprocess.run(
        [
            kefu,
            "sample",
            "--org",
            "HQ",
            "--period",
            period,
            "--n",
            "3",
            "--reveal",
            "--reason",
            "inspection 2026-12",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    revealed = pd.read_csv(out, dtype=str)
    landed = (
        delivered(built.landing, "complaints").drop_duplicates("complaint_id", keep="last").set_index("complaint_id")
    )
    for row in revealed.itertuples():
        assert (row.customer_name, row.customer_id_no, row.customer_phone) == tuple(
            landed.loc[row.complaint_id, ["customer_name", "customer_id_no", "customer_phone"]]
        )
    log = [json.loads(line) for line in (built.home / "vault" / "reveal_log.jsonl").read_text().splitlines()]
    assert log[-1]["reason"] == "inspection 2026-12" and sorted(log[-1]["records"]) == sorted(revealed.complaint_id)
    assert log[-1]["by"] and log[-1]["at"]


def test_a_quarantined_rows_personal_data_is_kept_as_tokens(workspace):
    """A quarantined row keeps the row as it came for the person who fixes it, and an
    unreadable line its text: their names, ID numbers and phones as tokens, in clear only
    in the vault."""
    header = (
        "complaint_id,received_at,channel,complaint_class,reason_code,policy_no,product_line,org_code,"
        "employee_id,customer_name,customer_id_no,customer_phone,summary"
    )
    (workspace.landing / "complaints").mkdir(parents=True, exist_ok=True)
    (workspace.landing / "complaints" / "bad.csv").write_text(
        header + "\n"
        "TS1,2026-11-02 09:00:00,hotline,product,P18,PL1,财险,P01,E1,张三,110101199003074512,13800000001,ok\n"
        "TS2,not a time,hotline,product,P18,PL1,财险,P01,E1,李四,110101199003074539,13800000002,bad time\n"
        'TS3,2026-11-02 09:00:00,"unterminated,王五,110101199003074547,13800000003\n',
        encoding="utf-8",
    )
    (result,) = Ingestor(workspace).ingest_extract("complaints")
    assert (result.rows_loaded, result.rows_quarantined) == (1, 2)
    clear = {
        "张三",
        "110101199003074512",
        "13800000001",
        "李四",
        "110101199003074539",
        "13800000002",
        "王五",
        "110101199003074547",
        "13800000003",
    }
    quarantined = duckdb.sql(
        f"select raw_record from read_parquet('{workspace.quarantine}/complaints/*.parquet')"
    ).fetchall()
    assert len(quarantined) == 2
    assert not [v for (record,) in quarantined for v in clear if v in record]
    assert TOKEN_PREFIX in quarantined[0][0] and TOKEN_PREFIX in quarantined[1][0]
    raw = duckdb.sql(f"select * from read_parquet('{workspace.raw}/complaints/*.parquet')").df()
    assert not clear & {str(v) for v in raw.to_numpy().ravel()}
    vault = {
        v
        for (v,) in duckdb.sql(
            f"select value from read_parquet('{workspace.home}/vault/complaints/*.parquet')"
        ).fetchall()
    }
    assert {"张三", "110101199003074539", "13800000002"} <= vault
    assert any("王五" in v for v in vault)  # the unreadable line, whole
