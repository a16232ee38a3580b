"""Superset's settings for kefu-warehouse's BI reader (SUPERSET_CONFIG_PATH points here; `kefu bi`
sets it). Everything Superset keeps lives in the workspace's superset/ folder (KEFU_BI_HOME): its
metadata database and its secret key, generated there (mode 600) unless SUPERSET_SECRET_KEY is
set. It reads one database, the published snapshot, read-only; nothing else is exposed."""

import os
from pathlib import Path

BI_HOME = Path(os.environ["KEFU_BI_HOME"])

SECRET_KEY = os.environ.get("SUPERSET_SECRET_KEY") or (BI_HOME / "secret_key").read_text().strip()
SQLALCHEMY_DATABASE_URI = f"sqlite:///{BI_HOME / 'superset.db'}"
DATA_DIR = str(BI_HOME)

# the readers are Chinese: the UI in Chinese, English one click away
BABEL_DEFAULT_LOCALE = "zh"
LANGUAGES = {"zh": {"flag": "cn", "name": "Chinese"}, "en": {"flag": "us", "name": "English"}}

# no examples, no anonymous access, no uploads; a login is rate-limited in memory (one process)
PUBLIC_ROLE_LIKE = None
RATELIMIT_STORAGE_URI = "memory://"
FEATURE_FLAGS = {"ENABLE_TEMPLATE_PROCESSING": False, "DASHBOARD_RBAC": False}
CSV_EXPORT = {"encoding": "utf-8-sig"}  # Excel opens Chinese CSV exports with the BOM

# Superset's menu loads a tracking pixel from scarf.sh: the content security policy refuses it
from superset.config import TALISMAN_CONFIG as _DEFAULT_TALISMAN  # noqa: E402 (defined before this file loads)

TALISMAN_CONFIG = {
    **_DEFAULT_TALISMAN,
    "content_security_policy": {
        **_DEFAULT_TALISMAN["content_security_policy"],
        "img-src": [s for s in _DEFAULT_TALISMAN["content_security_policy"]["img-src"] if "scarf" not in s],
    },
}
