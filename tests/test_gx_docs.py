"""The auditors' Great Expectations Data Docs render with no network (#7 §6): every script
and stylesheet comes from the site itself, and headless Chromium, offline, draws the index's
table of validation results (bootstrap-table fills it with JavaScript: with the CDN links it
stayed empty and unstyled)."""

import re
import subprocess

import pytest

from kefu.browser import FLAGS, chromium
from kefu.gx_docs import remote_assets

CHROMIUM = chromium()


@pytest.mark.parametrize("checkpoint", ["raw_complaints", "kpi_marts"])
def test_data_docs_load_nothing_from_the_network(built, checkpoint):
    site = built.audit_docs / "gx" / checkpoint
    assert (site / "index.html").exists() and (site / "static" / "vendor" / "js" / "jquery.min.js").exists()
    assert remote_assets(site) == []


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it: apt-get install chromium)")
def test_the_index_renders_its_validation_results_in_a_browser_offline(built, tmp_path):
    index = (built.audit_docs / "gx" / "kpi_marts" / "index.html").as_uri()
    shown = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", index],
        capture_output=True,
        text=True,
        timeout=120,
    )
    dom = shown.stdout
    rows = re.findall(r'<tr[^>]* data-index="\d+"', dom)
    assert len(rows) >= 10, (
        f"bootstrap-table drew no rows: a script did not load ({len(dom)} characters; {shown.stderr[-1500:]})"
    )
    assert "kpi_complaint_rate" in dom
    shot = tmp_path / "gx_index.png"
    subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1400,1000",
            f"--screenshot={shot}",
            index,
        ],
        capture_output=True,
        timeout=120,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000  # a blank page is ~5 KB
