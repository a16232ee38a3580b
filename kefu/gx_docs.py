"""Great Expectations Data Docs that render offline. GX's pages load jQuery, Bootstrap,
bootstrap-table and Font Awesome from CDNs; where the auditor reads them (no internet, or a
closed network) the index showed an empty, unstyled table. After each build the pages are
pointed at copies shipped in kefu/static/gx_docs (see its README for versions and licences);
the optional dark theme and the Vega chart scripts (used by profiling pages, which kefu does
not build) are dropped. Hand-written: GX has no setting for where its static assets come from."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

VENDOR = Path(__file__).parent / "static" / "gx_docs"
LOCAL = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "js/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "js/popper.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "js/bootstrap.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "css/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "js/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": "js/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": "css/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": "css/bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": "css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": "js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "css/all.min.css",
}
DROPPED = re.compile(
    r'<link[^>]*href="https://cdn\.jsdelivr\.net/npm/@forevolve/bootstrap-dark[^"]*"[^>]*>'
    r'|<script[^>]*src="https://cdn\.jsdelivr\.net/npm/vega[^"]*"[^>]*>\s*</script>'
)
# GX's logo, from its S3 bucket: the copy GX ships in the site's static/images serves
LOGO = re.compile(r"https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/[^\"')?]+(\?[^\"')]*)?")
REMOTE_ASSET = re.compile(r'<(?:script|link|img)[^>]*(?:src|href)="(https?://[^"]+)"|url\([\'"]?(https?://[^\'")]+)')


def make_offline(site: Path) -> None:
    """Copy the assets into the site and point every page at them (relative links, so the
    folder can be moved or opened from a file share)."""
    assets = site / "static" / "vendor"
    shutil.copytree(VENDOR, assets, dirs_exist_ok=True, ignore=shutil.ignore_patterns("README.md"))
    for page in site.rglob("*.html"):
        html = DROPPED.sub("", page.read_text(encoding="utf-8"))
        html = LOGO.sub(os.path.relpath(site / "static" / "images" / "logo-long.png", page.parent), html)
        for url, local in LOCAL.items():
            html = html.replace(f'"{url}"', f'"{os.path.relpath(assets / local, page.parent)}"')
        page.write_text(html, encoding="utf-8")


def remote_assets(site: Path) -> list[str]:
    """Scripts and stylesheets a page still loads from the network (none, after make_offline)."""
    return sorted(
        {
            f"{page.relative_to(site)}: {url or in_css}"
            for page in site.rglob("*.html")
            for url, in_css in REMOTE_ASSET.findall(page.read_text(encoding="utf-8"))
        }
    )
