"""Headless Chromium (Debian's `chromium`), for what only a browser does: print a page to PDF
(`kefu report --out FILE.pdf`) and show that a page renders (the tests' screenshots)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from kefu.errors import UserError

# as the machine's notes advise: without the background-networking flags Chromium keeps
# trying hosts this closed network refuses
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=5000",
]


def chromium() -> str | None:
    return shutil.which("chromium")


def run_chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    found = chromium()
    if found is None:
        raise UserError("this needs Debian's chromium (apt-get install chromium fonts-noto-cjk)")
    return subprocess.run(
        [found, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=180
    )


def print_to_pdf(page: str, out: Path) -> None:
    """The HTML page printed to a PDF file, as Chromium prints it (A4, no header or footer)."""
    with tempfile.TemporaryDirectory(prefix="kefu-pdf-") as tmp:
        source = Path(tmp) / "page.html"
        source.write_text(page, encoding="utf-8")
        done = run_chromium(
            f"--print-to-pdf={out.resolve()}", "--no-pdf-header-footer", source.as_uri(), profile=Path(tmp) / "profile"
        )
    if not out.exists() or out.read_bytes()[:5] != b"%PDF-":
        raise UserError(f"chromium printed no PDF to {out}: {done.stderr.strip()[-500:]}")
