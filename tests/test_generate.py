"""The synthetic extracts: deterministic per seed, GBK and UTF-8, plausible identifiers."""

import hashlib

import pandas as pd

from kefu.generate import daily_files, generate


def _digest(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*.csv"))
    }


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    generate(0.01, 5, tmp_path / "a")
    generate(0.01, 5, tmp_path / "b")
    generate(0.01, 6, tmp_path / "c")
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def test_encodings_and_identifiers(tmp_path):
    generate(0.01, 5, tmp_path)
    orgs = (tmp_path / "org_units" / "org_units.csv").read_bytes()
    assert "康福人寿总公司".encode("gbk") in orgs  # the HR system exports GBK
    complaints = pd.concat(pd.read_csv(p, dtype=str) for p in sorted((tmp_path / "complaints").glob("*.csv")))
    ids = complaints.customer_id_no
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = ids.map(lambda i: "10X98765432"[sum(int(d) * w for d, w in zip(i[:17], weights)) % 11])
    assert (ids.str.len() == 18).all() and (check == ids.str[17]).all()
    assert complaints.customer_phone.str.fullmatch(r"1[3-9]\d{9}").all()
    assert complaints.received_at.str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}").all()
    assert len(daily_files(tmp_path)) == 11  # the last day of each monthly extract, on its own
