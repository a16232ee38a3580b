"""Hostile landing files, one case each: a clear reason per quarantined row naming file,
row and column, and rows read = rows loaded + rows quarantined, always. The KPI side (the
good rows' figures do not move) is tested once for all cases in test_hostile_kpis.py."""

import datetime as dt

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.ingest import Ingestor
from kefu.workspace import Workspace

HEADER = "complaint_id,received_at,channel,complaint_class,org_code,summary"
POLICY_HEADER = (
    "policy_no,org_code,product_code,product_line,sales_channel,underwritten_on,premium,insured_persons,is_long_term"
)
GOOD = [
    "T1,2025-03-01 09:30:00,hotline,product,A1,ok",
    "T2,2025-03-02 10:00:00,online,service,A2,ok",
    "T3,2025-03-03 11:00:00,visit,staff_violation,A3,ok",
]


def load(ws: Workspace, content: bytes | str, name="c.csv", entity="complaints"):
    path = ws.landing / entity / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    [result] = [r for r in Ingestor(ws).ingest_extract(entity) if r.source_file == str(path)]
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    return result


def loaded(ws: Workspace, result, columns="complaint_id"):
    return duckdb.sql(
        f"select {columns} from read_parquet('{ws.raw}/{result.entity}/{result.load_id}.parquet') order by _source_row"
    ).fetchall()


def reasons(ws: Workspace, result) -> dict[int, str]:
    path = ws.quarantine / result.entity / f"{result.load_id}.parquet"
    if not path.exists():
        return {}
    return dict(duckdb.sql(f"select _source_row, reason from read_parquet('{path}')").fetchall())


def test_a_file_cut_mid_row_keeps_the_whole_rows(workspace):
    r = load(workspace, HEADER + "\n" + GOOD[0] + "\n" + GOOD[1][:17])
    assert loaded(workspace, r) == [("T1",)]
    assert "row 3: has 2 fields, the header has 6" in reasons(workspace, r)[3]


def test_a_file_cut_inside_a_quoted_field(workspace):
    r = load(workspace, HEADER + "\n" + GOOD[0] + '\nT2,2025-03-02 10:00:00,online,service,A2,"the customer sa')
    assert (r.rows_loaded, r.rows_quarantined) == (1, 1)
    assert "row 3: has 6 fields" not in reasons(workspace, r)[3]


def test_a_repeated_header_name_quarantines_the_file_and_names_the_column(workspace):
    r = load(workspace, HEADER + ",channel\n" + GOOD[0] + ",online\n")
    assert (r.rows_loaded, r.rows_quarantined) == (0, 1)
    assert "row 1: column channel appears more than once in the header" in reasons(workspace, r)[2]


def test_a_bare_carriage_return_in_the_header_quarantines_every_row(workspace):
    # found by the property test below: Python's csv module refused the header line outright
    r = load(workspace, "\r" + HEADER + "\n" + "\n".join(GOOD) + "\n")
    # the parser takes the lone \r for a line break: the header's text comes as a record too
    assert r.rows_loaded == 0 and r.rows_quarantined == len(GOOD) + 1 == len(reasons(workspace, r))
    assert any("row 1: the header cannot be read" in w for w in r.warnings)


def test_reordered_and_missing_optional_columns_load_by_name(workspace):
    r = load(
        workspace,
        "org_code,complaint_class,channel,received_at,complaint_id\nA1,product,hotline,2025-03-01 09:30:00,T1\n",
    )
    assert loaded(workspace, r, "complaint_id, org_code, channel, summary") == [("T1", "A1", "hotline", None)]


def test_dates_in_three_formats_read_the_same(workspace):
    r = load(
        workspace,
        HEADER
        + "\n"
        + "\n".join(f"T{i},{d} 09:30:00,hotline,product,A1," for i, d in enumerate(["2025-03-01", "2025/03/01"], 1))
        + "\nT3,2025-03-01T09:30:00,hotline,product,A1,\n",
    )
    assert {str(t) for (t,) in loaded(workspace, r, "received_at")} == {"2025-03-01 09:30:00"}
    p = load(
        workspace,
        f"{POLICY_HEADER}\nP1,A1,L1,寿险,个险,2025-03-01,1,1,Y\nP2,A1,L1,寿险,个险,2025/03/01,1,1,Y\n"
        "P3,A1,L1,寿险,个险,20250301,1,1,Y\n",
        entity="policies",
    )
    assert {str(d) for (d,) in loaded(workspace, p, "underwritten_on")} == {"2025-03-01"}


def test_timestamps_in_the_future_are_quarantined(workspace):
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    r = load(workspace, f"{HEADER}\n{GOOD[0]}\nT9,{tomorrow} 09:00:00,hotline,product,A1,\n")
    assert loaded(workspace, r) == [("T1",)]
    assert f"column received_at: {tomorrow} 09:00:00 is in the future" in reasons(workspace, r)[3]


def test_negative_amounts_are_quarantined(workspace):
    r = load(
        workspace,
        f"{POLICY_HEADER}\nP1,A1,L1,寿险,个险,2025-03-01,100,1,Y\nP2,A1,L1,寿险,个险,2025-03-01,-100,1,Y\n",
        entity="policies",
    )
    assert r.rows_loaded == 1 and len(reasons(workspace, r)) == 1
    assert "column premium: value -100 is below the minimum 0" in reasons(workspace, r)[3]


def test_a_complaint_id_repeated_within_a_file_keeps_the_last_row_and_quarantines_the_rest(workspace):
    r = load(workspace, f"{HEADER}\n{GOOD[0]}\n{GOOD[1]}\n{GOOD[0].replace('A1', 'B1')}\n")
    assert loaded(workspace, r, "complaint_id, org_code") == [("T2", "A2"), ("T1", "B1")]
    assert "complaint_id 'T1' is repeated in row 4 of this file, which is kept" in reasons(workspace, r)[2]


def test_a_repeated_id_whose_later_row_is_broken_keeps_the_earlier_good_row(workspace):
    r = load(workspace, f"{HEADER}\n{GOOD[0]}\nT1,not a time,hotline,product,A1,\n")
    assert loaded(workspace, r) == [("T1",)]
    assert "cannot read 'not a time'" in reasons(workspace, r)[3]


def test_a_ten_megabyte_field_loads_whole(workspace):
    big = "投" * (10 * 1024 * 1024 // 3)  # 10 MB of UTF-8
    r = load(workspace, f'{HEADER}\n{GOOD[0]}\nT2,2025-03-02 10:00:00,online,service,A2,"{big}"\n')
    [(length,)] = duckdb.sql(
        f"select max(length(summary)) from read_parquet('{workspace.raw}/complaints/{r.load_id}.parquet')"
    ).fetchall()
    assert r.rows_loaded == 2 and length == len(big)


def test_formula_injection_is_kept_as_inert_text(workspace):
    evil = "=cmd|' /C calc'!A0"
    r = load(workspace, f'{HEADER}\nT1,2025-03-01 09:30:00,hotline,product,A1,"{evil}"\n')
    assert loaded(workspace, r, "summary") == [(evil,)]  # data, not a formula: never evaluated, never altered


# -- random corruption -------------------------------------------------------------------
CLEAN = (HEADER + "\n" + "\n".join(GOOD) + "\n").encode("utf-8")


@st.composite
def corrupted(draw) -> bytes:
    data = bytearray(CLEAN)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "truncate", "gbk", "junk"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "insert":
            data[at:at] = draw(st.sampled_from([b",", b"\n", b'"', b"\r\n", b"\xef\xbb\xbf", b"\x00", b"=1+1"]))
        elif kind == "delete" and data:
            del data[at : at + draw(st.integers(1, 20))]
        elif kind == "replace" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del data[at:]
        elif kind == "gbk":
            data[at:at] = "投诉".encode("gbk")
        else:
            data[at:at] = draw(st.binary(max_size=12))
    return bytes(data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=corrupted())
def test_random_corruption_never_loses_a_row(tmp_path_factory, content):
    ws = Workspace(tmp_path_factory.mktemp("fuzz")).ensure()
    r = load(ws, content)  # never raises; the balance is asserted inside
    q = reasons(ws, r)
    assert len(q) == r.rows_quarantined and all(q.values())
    for cid, received, channel in loaded(ws, r, "complaint_id, received_at, channel"):
        assert cid and received and channel in {"hotline", "online", "letter", "visit", "email", "regulator"}
