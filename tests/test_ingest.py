"""Ingestion of landing files: typing, quarantine with reasons naming file, row and column,
nothing lost, duplicate deliveries skipped."""

import os

import duckdb
import pytest

from kefu.ingest import Ingestor

HEADER = "complaint_id,received_at,channel,complaint_class,org_code"


def land(ws, entity: str, name: str, content: bytes | str, encoding="utf-8"):
    path = ws.landing / entity / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return path


def lake_rows(ws, entity, columns="*"):
    return duckdb.sql(
        f"select {columns} from read_parquet('{ws.raw / entity}/*.parquet') order by _source_row"
    ).fetchall()


def quarantine(ws, entity):
    return duckdb.sql(
        f"select _source_row, reason from read_parquet('{ws.quarantine / entity}/*.parquet') order by _source_row"
    ).fetchall()


def test_good_rows_are_typed_and_carry_load_metadata(workspace):
    path = land(
        workspace,
        "complaints",
        "c.csv",
        f"{HEADER}\nT1,2025-03-01 09:30:00,hotline,product,A1\nT2,2025/03/02 10:00:00,visit,service,A2\n",
    )
    [result] = Ingestor(workspace).ingest_extract("complaints")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 2, 0)
    rows = duckdb.sql(
        f"select complaint_id, received_at, _source_file, _source_row, _file_sha256, _load_id "
        f"from read_parquet('{workspace.raw}/complaints/*.parquet') order by 1"
    ).fetchall()
    assert [r[0] for r in rows] == ["T1", "T2"]
    assert str(rows[1][1]) == "2025-03-02 10:00:00"  # second date format understood
    assert rows[0][2] == str(path) and [r[3] for r in rows] == [2, 3]
    assert rows[0][4] == result.file_sha256 and rows[0][5] == result.load_id


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2025/03/02 10:00", "2025-03-02 10:00:00"),
        ("20250302 10:00:00", "2025-03-02 10:00:00"),
        ("20250302100000", "2025-03-02 10:00:00"),
        ("2025-03-02T10:00:00", "2025-03-02 10:00:00"),
        ("2025/03/02", "2025-03-02 00:00:00"),
        ("20250302", "2025-03-02 00:00:00"),
    ],
)
def test_the_readmes_date_formats_are_read_in_timestamp_columns_too(workspace, text, expected):
    land(workspace, "complaints", "c.csv", f"{HEADER}\nT1,{text},hotline,product,A1\n")
    [result] = Ingestor(workspace).ingest_extract("complaints")
    assert result.rows_loaded == 1
    assert [str(v) for (v,) in lake_rows(workspace, "complaints", "received_at")] == [expected]


def test_bad_rows_are_quarantined_with_file_row_and_column(workspace):
    path = land(
        workspace,
        "complaints",
        "bad.csv",
        f"{HEADER}\n"
        "T1,2025-03-01 09:30:00,hotline,product,A1\n"
        "T2,yesterday,hotline,product,A1\n"  # unparseable timestamp
        "T3,2025-03-01 09:30:00,fax,product,A1\n"  # value outside the contract
        "T4,2025-03-01 09:30:00,hotline\n"  # missing fields
        "T5,2025-03-01 09:30:00,hotline,product,\n"  # required value missing
        "T6,2025-03-02 08:00:00,email,service,A2\n",
    )
    [result] = Ingestor(workspace).ingest_extract("complaints")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (6, 2, 4)
    assert lake_rows(workspace, "complaints", "complaint_id") == [("T1",), ("T6",)]
    reasons = dict(quarantine(workspace, "complaints"))
    assert reasons[3] == f"{path}, row 3: column received_at: cannot read 'yesterday' as timestamp"
    assert "row 4: column channel: value 'fax' is not one of the allowed values" in reasons[4]
    assert "row 5: has 3 fields, the header has 5" in reasons[5]
    assert "row 6: column org_code: required value is missing" in reasons[6]


def test_unparseable_numbers_and_dates_name_their_column(workspace):
    header = "policy_no,org_code,product_code,product_line,sales_channel,underwritten_on,premium,insured_persons,is_long_term"
    land(
        workspace,
        "policies",
        "p.csv",
        f"{header}\nP1,A1,L100,寿险,个险,2025/01/31,100.5,1,Y\n"
        "P2,A1,L100,寿险,个险,2025-02-30,100,1,N\n"
        "P3,A1,L100,寿险,个险,2025-02-03,lots,one,maybe\n",
    )
    [result] = Ingestor(workspace).ingest_extract("policies")
    assert (result.rows_loaded, result.rows_quarantined) == (1, 2)
    reasons = dict(quarantine(workspace, "policies"))
    assert "column underwritten_on: cannot read '2025-02-30' as date" in reasons[3]
    assert all(f"column {c}: cannot read" in reasons[4] for c in ("premium", "insured_persons", "is_long_term"))


def test_missing_required_column_quarantines_every_row_and_says_which(workspace):
    land(
        workspace,
        "complaints",
        "c.csv",
        "complaint_id,received_at,channel,org_code\n"
        "T1,2025-03-01 09:30:00,hotline,A1\nT2,2025-03-01 09:30:00,hotline,A1\n",
    )
    [result] = Ingestor(workspace).ingest_extract("complaints")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 0, 2)
    assert all(
        "row 1: required column complaint_class is missing from the header" in r
        for _, r in quarantine(workspace, "complaints")
    )


def test_unknown_columns_are_kept_and_reported(workspace):
    land(workspace, "complaints", "c.csv", f"{HEADER},legacy_flag\nT1,2025-03-01 09:30:00,hotline,product,A1,X\n")
    [result] = Ingestor(workspace).ingest_extract("complaints")
    assert result.rows_loaded == 1
    assert any("row 1, column legacy_flag: not in the complaints contract" in w for w in result.warnings)
    [(extra,)] = duckdb.sql(f"select _extra from read_parquet('{workspace.raw}/complaints/*.parquet')").fetchall()
    assert '"legacy_flag":"X"' in extra


def test_gbk_and_utf8_with_bom_are_both_read(workspace):
    land(
        workspace,
        "org_units",
        "gbk.csv",
        "org_code,org_name,parent_code,org_level,org_type,province,effective_from,effective_to\n"
        "HQ,康福人寿总公司,,1,总公司,,2015-01-01,\n",
        encoding="gbk",
    )
    land(
        workspace,
        "org_units",
        "utf8.csv",
        "\ufefforg_code,org_name,parent_code,org_level,org_type,province,effective_from,effective_to\n"
        "P01,康福人寿广东省分公司,HQ,2,省级分公司,广东省,2015-01-01,\n",
    )
    results = Ingestor(workspace).ingest_extract("org_units")
    assert [r.encoding for r in results] == ["gbk", "utf-8"]
    names = [r[0] for r in lake_rows(workspace, "org_units", "org_name")]
    assert sorted(names) == sorted(["康福人寿总公司", "康福人寿广东省分公司"])


def test_lines_in_neither_utf8_nor_gbk_are_quarantined_the_rest_loaded(workspace):
    content = (
        (f"{HEADER}\nT1,2025-03-01 09:30:00,hotline,product,A1\n").encode()
        + b"T2,2025-03-01 09:30:00,hotline,product,\xff\xfe\xfa\n"
        + "T3,2025-03-01 09:30:00,hotline,product,甲\n".encode("gbk")
    )
    path = land(workspace, "complaints", "mixed.csv", content)
    [result] = Ingestor(workspace).ingest_extract("complaints")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
    assert quarantine(workspace, "complaints") == [(3, f"{path}, row 3: line 3 is neither UTF-8 nor GBK")]
    assert lake_rows(workspace, "complaints", "org_code") == [("A1",), ("甲",)]


def test_the_same_file_delivered_twice_is_loaded_once(workspace):
    content = f"{HEADER}\nT1,2025-03-01 09:30:00,hotline,product,A1\n"
    land(workspace, "complaints", "day1.csv", content)
    land(workspace, "complaints", "day1_again.csv", content)
    first, second = Ingestor(workspace).ingest_extract("complaints")
    assert first.rows_loaded == 1 and second.duplicate_of == first.source_file
    assert Ingestor(workspace).ingest_extract("complaints")[0].duplicate_of is not None
    assert len(lake_rows(workspace, "complaints")) == 1


def test_an_interrupted_load_leaves_nothing_behind(workspace):
    land(workspace, "complaints", "c.csv", f"{HEADER}\nT1,2025-03-01 09:30:00,hotline,product,A1\n")
    Ingestor(workspace).ingest_extract("complaints")
    # a crash after the data file was renamed but before the load log was written
    orphan = workspace.raw / "complaints" / "20990101T000000000000-deadbeef.parquet"
    orphan.write_bytes((next((workspace.raw / "complaints").glob("2*.parquet"))).read_bytes())
    Ingestor(workspace).ingest_extract("complaints")
    assert not orphan.exists()
    assert len(lake_rows(workspace, "complaints")) == 1


def test_empty_file_and_header_only_file_load_nothing_and_say_so(workspace):
    land(workspace, "complaints", "a_empty.csv", "")
    land(workspace, "complaints", "b_header.csv", f"{HEADER}\n")
    empty, header_only = Ingestor(workspace).ingest_extract("complaints")
    assert (empty.rows_read, header_only.rows_read) == (0, 0)
    assert any("empty file" in w for w in empty.warnings)
    assert lake_rows(workspace, "complaints") == []  # readable, with the contract schema


def test_later_files_get_later_load_ids_so_their_corrections_win(workspace):
    for day in range(1, 9):  # more files than loader threads
        land(
            workspace,
            "complaints",
            f"c_{day:02d}.csv",
            f"{HEADER}\nT1,2025-03-{day:02d} 09:30:00,hotline,product,A{day}\n",
        )
    results = Ingestor(workspace).ingest_extract("complaints")
    assert [r.load_id for r in results] == sorted(r.load_id for r in results)
    [(org,)] = duckdb.sql(
        f"select arg_max(org_code, _load_id) from read_parquet('{workspace.raw}/complaints/2*.parquet')"
    ).fetchall()
    assert org == "A8"


def test_a_loaded_landing_file_is_recognised_by_size_and_time_without_reading_it(workspace):
    path = land(workspace, "complaints", "day1.csv", f"{HEADER}\nT1,2025-03-01 09:30:00,hotline,product,A1\n")
    [first] = Ingestor(workspace).ingest_extract("complaints")
    assert first.rows_loaded == 1 and first.file_stat
    stat = path.stat()
    # the same size and modification time: taken to be the loaded file, its bytes unread —
    # so even a same-size rewrite that restores the timestamp is not loaded (the documented limit)
    path.write_text(f"{HEADER}\nT1,2025-03-01 09:30:00,hotline,product,A2\n")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    [again] = Ingestor(workspace).ingest_extract("complaints")
    assert again.duplicate_of == str(path) and again.file_sha256 == first.file_sha256
    # a new modification time: the file is read and hashed, and its new content loaded
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    [changed] = Ingestor(workspace).ingest_extract("complaints")
    assert changed.duplicate_of is None and changed.rows_loaded == 1
    # touched but unchanged: read, hashed, recognised by its checksum, not loaded again
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    [touched] = Ingestor(workspace).ingest_extract("complaints")
    assert touched.duplicate_of == str(path) and touched.file_sha256 == changed.file_sha256
    assert sorted(row[0] for row in lake_rows(workspace, "complaints", "org_code")) == ["A1", "A2"]


def test_a_copy_of_a_loaded_file_stops_looking_new_once_skipped(workspace, tmp_path):
    """The landing sensor starts a run for files no load has read: a copy under another
    name, or every file of a moved workspace, must not start a run at every change."""
    import shutil

    from kefu.workspace import Workspace

    content = f"{HEADER}\nT1,2025-03-01 09:30:00,hotline,product,A1\n"
    land(workspace, "complaints", "day1.csv", content)
    Ingestor(workspace).ingest_extract("complaints")
    assert Ingestor(workspace).pending_files() == []
    copy = land(workspace, "complaints", "day1_resent.csv", content)
    assert Ingestor(workspace).pending_files() == [f"{copy}|{copy.stat().st_size}:{copy.stat().st_mtime_ns}"]
    [_, skipped] = Ingestor(workspace).ingest_extract("complaints")
    assert skipped.duplicate_of is not None and Ingestor(workspace).pending_files() == []
    moved = Workspace(tmp_path / "moved")
    shutil.copytree(workspace.home, moved.home)  # the registry names the old paths
    assert len(Ingestor(moved).pending_files()) == 2
    assert all(r.duplicate_of for r in Ingestor(moved).ingest_extract("complaints"))
    assert Ingestor(moved).pending_files() == [] and len(lake_rows(moved, "complaints")) == 1
