"""The published snapshot as a BI reader meets it: beside the KPI marts, what they are joined
with (the org tree, periods, classes, channels, product lines, the KPI catalogue), every table
and column commented in Chinese and English, and readable through SQLAlchemy's reflection
(a BI tool's dataset editor lists columns that way)."""

import csv

import duckdb
import pandas as pd
import sqlalchemy

from kefu.project import column_labels, marts, published_tables
from kefu.publish import KEFU_TABLES, snapshot_engine
from kefu.workspace import SEEDS_DIR

REFERENCE = {
    "ref_org_tree",
    "ref_months",
    "ref_complaint_classes",
    "ref_channels",
    "ref_product_lines",
    "ref_quarter_settlement",
    "ref_rule_versions",
    "ref_assessment_rules",
    "ref_days",
}


def _read(ws, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(ws.published_file), read_only=True) as con:
        return con.execute(sql).df()


def test_every_published_table_and_column_carries_its_labels_and_description(built):
    tables = _read(built, "select table_name, comment from duckdb_tables() where database_name = current_database()")
    declared = {**published_tables(), **KEFU_TABLES}
    assert set(tables.table_name) == set(declared)
    assert set(published_tables()) >= set(marts()) | REFERENCE | {"kpi_definitions"}
    uncommented = tables[tables.comment.isna()]
    assert uncommented.empty, list(uncommented.table_name)
    columns = _read(
        built, "select table_name, column_name, comment from duckdb_columns() where database_name = current_database()"
    )
    labels = column_labels()
    unlabelled = sorted({c for c in columns.column_name if c not in labels})
    assert not unlabelled, f"columns published without a label in seeds/column_labels.csv: {unlabelled}"
    expected = columns.apply(
        lambda c: (
            f"{labels[c.column_name][0]} {labels[c.column_name][1]}: "
            + " ".join(declared[c.table_name].columns[c.column_name].replace("**", "").split())
        ),
        axis=1,
    )
    wrong = columns[columns.comment != expected]
    assert wrong.empty, wrong.head().to_dict("records")
    rate = columns[(columns.table_name == "kpi_complaint_rate") & (columns.column_name == "org_code")].comment.item()
    assert rate.startswith("机构代码 Org unit code: Org unit code (机构代码)")
    [table_comment] = tables[tables.table_name == "kpi_complaint_rate"].comment
    assert table_comment.startswith("投诉率 Complaint rate (003 §5.1).")


def test_a_python_reader_reflects_the_columns_with_their_comments(built):
    engine = snapshot_engine(built)
    try:
        inspector = sqlalchemy.inspect(engine)
        assert set(inspector.get_table_names()) >= set(marts())
        reflected = {c["name"]: c["comment"] for c in inspector.get_columns("kpi_complaint_rate")}
        assert inspector.get_table_comment("kpi_complaint_rate")["text"].startswith("投诉率 Complaint rate")
        table = sqlalchemy.Table("kpi_satisfaction", sqlalchemy.MetaData(), autoload_with=engine)
        frame = pd.read_sql_table("kpi_definitions", engine)
    finally:
        engine.dispose()
    commented = _read(
        built, "select column_name, comment from duckdb_columns() where table_name = 'kpi_complaint_rate'"
    )
    assert reflected == dict(zip(commented.column_name, commented.comment, strict=True))
    assert table.c.rate.comment.startswith("比率 Rate:")
    assert len(frame) == len(marts())


def test_the_kpi_catalogue_holds_each_marts_definition_and_target(built):
    catalogue = _read(built, "select * from kpi_definitions").set_index("kpi_mart")
    assert set(catalogue.index) == set(marts())
    for name, mart in marts().items():
        row = catalogue.loc[name]
        for field in ("name_zh", "name_en", "formula", "numerator", "unit", "grain", "owner"):
            assert row[field] == mart.kpi[field], (name, field)
        assert row.clause == mart.kpi["source"]
        assert row.direction == (mart.kpi.get("direction") or None)
    with (SEEDS_DIR / "assessment_rules.csv").open(encoding="utf-8", newline="") as f:
        latest = max(csv.DictReader(f), key=lambda r: r["effective_from"])
    assert catalogue.loc["kpi_complaint_rate", "target"] == float(latest["complaint_rate_target"])
    assert catalogue.loc["kpi_complaint_timeliness", "target"] == float(latest["timeliness_up_min"])
    assert catalogue.loc["kpi_satisfaction", "target_rule_version"] == latest["rule_version"]
    assert catalogue.loc["kpi_complaint_rate", "direction"] == "lower"
    assert pd.isna(catalogue.loc["kpi_complaint_hotspots", "target"])
    with (SEEDS_DIR / "hotline_standards.csv").open(encoding="utf-8", newline="") as f:
        hotline = max(csv.DictReader(f), key=lambda r: r["effective_from"])
    assert catalogue.loc["kpi_hotline_service_level", ["target", "target_rule_version"]].tolist() == [
        float(hotline["service_level_target"]),
        hotline["standard_version"],
    ]


def test_the_org_tree_gives_each_version_its_path_from_head_office(built):
    tree = _read(built, "select * from ref_org_tree")
    current = tree[tree.is_current]
    assert len(current) == tree.org_code.nunique() and (current.org_level == 1).sum() == 1
    head_office = current[current.org_level == 1].org_code.item()
    for r in tree[~tree.is_inferred].itertuples():
        path = r.org_path.split("/")
        assert path[0] == head_office and path[-1] == r.org_code and len(path) == r.org_level, r
        assert (path[-2] if len(path) > 1 else None) == (r.parent_org_code or None), r
    assert (tree.org_level > 2).any() and tree.org_path.str.count("/").max() >= 3
    months = _read(built, "select period_quarter from ref_months")
    quarters = _read(built, "select distinct period_quarter from kpi_assessment_quarterly")
    assert set(quarters.period_quarter) <= set(months.period_quarter)


def test_every_version_of_every_rule_is_listed_with_the_latest_marked(built):
    from tests.test_seeds import VERSIONED, rows

    listed = _read(built, "select * from ref_rule_versions")
    assert set(listed.rule_table) == set(VERSIONED)
    for name in VERSIONED:
        found = rows(name)
        column = next(
            (
                c
                for c in ("rule_version", "standard_version", "weight_version", "band_version", "target_version")
                if c in found[0]
            ),
            None,
        )
        versions = {r[column] if column else r["effective_from"] for r in found}
        mine = listed[listed.rule_table == name]
        assert set(mine.rule_version) == versions, name
        assert mine.rule_rows.sum() == len(found), name
        latest = max(found, key=lambda r: r["effective_from"])
        assert set(mine[mine.is_latest].rule_version) == {latest[column] if column else latest["effective_from"]}, name
    a2 = listed[(listed.rule_table == "assessment_rules") & (listed.rule_version == "A2")]
    assert pd.isna(a2.effective_to.item()) and a2.is_latest.item()
