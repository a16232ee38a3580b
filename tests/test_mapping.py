"""Foreign extracts through a mapping file: every input format gives the same typed rows,
and every mistake (in the input or in the mapping) is named, nothing dropped."""

import json
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kefu.ingest import Ingestor
from kefu.mapping import MappingError, load_mapping
from kefu.vault import TOKEN_PREFIX

MAPPING = """
description: a branch system's complaint export (foreign layout, day-first UK-style times)
timezone: UTC
calendar: calendar_days
targets:
  complaints:
    grain: [单号]
    columns:
      complaint_id: 单号
      received_at: {from: 受理时间, format: "%d/%m/%Y %H:%M"}
      channel: {from: 渠道, map: {电话: hotline, 网络: online}}
      complaint_class: {from: 类别, map: {产品: product, 服务: service}, default: service}
      org_code: {sql: "'B' || 机构"}
      customer_phone: 电话号码
"""
ROWS = [  # 单号, 受理时间, 渠道, 类别, 机构, 电话号码
    ["T1", "01/03/2026 00:30", "电话", "产品", "001", "13800000001"],
    ["T2", "15/03/2026 23:10", "网络", "", "002", "13800000002"],
    ["T3", "31/02/2026 10:00", "电话", "服务", "001", ""],  # no 31 February
    ["T4", "02/03/2026 09:00", "信函", "服务", "003", ""],  # a channel the mapping does not know
]
HEADER = ["单号", "受理时间", "渠道", "类别", "机构", "电话号码"]


def write_inputs(folder: Path) -> dict[str, Path]:
    frame = pd.DataFrame(ROWS, columns=HEADER)
    text = frame.to_csv(index=False, lineterminator="\n")
    paths = {
        "utf8.csv": text.encode("utf-8"),
        "bom.csv": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "gbk.csv": text.encode("gbk"),
    }
    out = {}
    for name, data in paths.items():
        (folder / name).write_bytes(data)
        out[name] = folder / name
    frame.to_excel(folder / "sheet.xlsx", index=False)
    (folder / "lines.jsonl").write_text(
        "\n".join(json.dumps(dict(zip(HEADER, r)), ensure_ascii=False) for r in ROWS) + "\n", encoding="utf-8"
    )
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), folder / "table.parquet")
    out |= {n: folder / n for n in ("sheet.xlsx", "lines.jsonl", "table.parquet")}
    return out


def mapping_file(folder: Path, text: str = MAPPING) -> Path:
    path = folder / "branch.yml"
    path.write_text(text, encoding="utf-8")
    return path


def lake(ws, kind: str, load_id: str) -> pd.DataFrame:
    return duckdb.sql(f"select * from read_parquet('{ws.home}/lake/{kind}/complaints/{load_id}.parquet')").df()


@pytest.mark.parametrize("name", ["utf8.csv", "bom.csv", "gbk.csv", "sheet.xlsx", "lines.jsonl", "table.parquet"])
def test_every_format_gives_the_same_rows_and_the_same_quarantine(workspace, tmp_path, name):
    path = write_inputs(tmp_path)[name]
    (result,) = Ingestor(workspace).ingest_mapped(load_mapping(mapping_file(tmp_path)), path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 2, 2)
    raw = lake(workspace, "raw", result.load_id)
    assert raw.complaint_id.tolist() == ["T1", "T2"]
    # 00:30 UTC is 08:30 in Beijing; day-first dates read as such
    assert raw.received_at.astype(str).tolist() == ["2026-03-01 08:30:00", "2026-03-16 07:10:00"]
    assert raw.channel.tolist() == ["hotline", "online"]
    assert raw.complaint_class.tolist() == ["product", "service"]  # an empty class takes the default
    assert raw.org_code.tolist() == ["B001", "B002"]
    assert raw.deadline_calendar.tolist() == ["calendar_days"] * 2  # the mapping's calendar
    first_row = 1 if name.endswith((".parquet", ".jsonl")) else 2  # under a header, rows start at 2
    assert raw._source_row.tolist() == [first_row, first_row + 1]
    reasons = lake(workspace, "quarantine", result.load_id).reason.tolist()
    assert f"row {first_row + 2}: column received_at: cannot read '31/02/2026 10:00' as timestamp" in reasons[0]
    assert f"row {first_row + 3}: column channel: value '信函' is not one of the allowed values" in reasons[1]


def test_a_source_column_the_mapping_needs_but_the_input_lacks_quarantines_every_row(workspace, tmp_path):
    frame = pd.DataFrame(ROWS, columns=HEADER).drop(columns=["渠道"])
    frame.to_csv(tmp_path / "cut.csv", index=False)
    (result,) = Ingestor(workspace).ingest_mapped(load_mapping(mapping_file(tmp_path)), tmp_path / "cut.csv")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 0, 4)
    reasons = lake(workspace, "quarantine", result.load_id).reason
    assert reasons.str.contains("column 渠道 named by branch.yml is not in the input").all()


def test_a_line_that_is_not_json_is_quarantined_with_its_line_number(workspace, tmp_path):
    good = [json.dumps(dict(zip(HEADER, r)), ensure_ascii=False) for r in ROWS[:2]]
    (tmp_path / "broken.jsonl").write_text(good[0] + '\n{"单号": "T9", \n' + good[1] + "\n", encoding="utf-8")
    (result,) = Ingestor(workspace).ingest_mapped(load_mapping(mapping_file(tmp_path)), tmp_path / "broken.jsonl")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
    assert "line 2: not a JSON object" in lake(workspace, "quarantine", result.load_id).reason[0]
    assert lake(workspace, "raw", result.load_id)._source_row.tolist() == [1, 3]


def test_unused_source_columns_ride_along_and_customer_data_goes_to_the_vault(workspace, tmp_path):
    frame = pd.DataFrame(ROWS[:1], columns=HEADER).assign(备注="客户来电两次")
    frame.to_csv(tmp_path / "extra.csv", index=False)
    (result,) = Ingestor(workspace).ingest_mapped(load_mapping(mapping_file(tmp_path)), tmp_path / "extra.csv")
    raw = lake(workspace, "raw", result.load_id)
    # columns read only inside an expression ride along too: the raw row stays whole
    assert json.loads(raw._extra[0]) == {"备注": "客户来电两次", "机构": "001"}
    # personal data reaches the lake as a token, its clear value the vault (kefu/vault.py)
    assert raw.customer_phone[0].startswith(TOKEN_PREFIX)
    vault = duckdb.sql(f"select token, value from read_parquet('{workspace.home}/vault/complaints/*.parquet')")
    assert (raw.customer_phone[0], "13800000001") in vault.fetchall()


def test_the_same_input_twice_is_skipped_but_a_corrected_mapping_reloads_it(workspace, tmp_path):
    path = write_inputs(tmp_path)["utf8.csv"]
    ingest = Ingestor(workspace).ingest_mapped
    assert ingest(load_mapping(mapping_file(tmp_path)), path)[0].rows_read == 4
    assert ingest(load_mapping(mapping_file(tmp_path)), path)[0].duplicate_of == str(path)
    fixed = mapping_file(tmp_path, MAPPING.replace("网络: online}", "网络: online, 信函: letter}"))
    again = ingest(load_mapping(fixed), path)[0]
    assert again.duplicate_of is None and again.rows_quarantined == 1  # only 31 February is left


@pytest.mark.parametrize(
    "change, message",
    [
        (("complaint_id: 单号", "complaint_no: 单号"), "complaint_no is not a column of the complaints contract"),
        (("      org_code: {sql: \"'B' || 机构\"}\n", ""), "required contract column org_code is not mapped"),
        (("calendar: calendar_days", "calendar: lunar"), "calendar 'lunar' is not one of"),
        (("channel: {from: 渠道,", "channel: {value: x, from: 渠道,"), "give exactly one of from / value / sql"),
        (("targets:", "tragets:\n  x: 1\ntargets:"), "unknown keys ['tragets']"),
    ],
)
def test_mistakes_in_a_mapping_are_named_before_anything_loads(tmp_path, change, message):
    with pytest.raises(MappingError) as e:
        load_mapping(mapping_file(tmp_path, MAPPING.replace(*change)))
    assert message in str(e.value) and "branch.yml" in str(e.value)


def test_a_grain_that_disagrees_with_the_key_stops_the_load(workspace, tmp_path):
    text = MAPPING.replace("grain: [单号]", "grain: [单号, 渠道]")  # a complaint per channel: not our key
    rows = ROWS[:2] + [["T1", "01/03/2026 00:30", "网络", "产品", "001", ""]]
    pd.DataFrame(rows, columns=HEADER).to_csv(tmp_path / "twice.csv", index=False)
    with pytest.raises(MappingError, match="grain .* and the contract key .* name different records"):
        Ingestor(workspace).ingest_mapped(load_mapping(mapping_file(tmp_path, text)), tmp_path / "twice.csv")
    assert not list((workspace.raw / "complaints").glob("2*.parquet"))
