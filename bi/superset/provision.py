"""Run by .venv-bi's Python (`kefu bi`): the admin user (its password from
KEFU_BI_ADMIN_PASSWORD, reset to it on every run) and the import bundle kefu wrote, imported
with Superset's own assets command (what POST /api/v1/assets/import runs: everything in the
bundle is created or overwritten, matched by UUID).

usage: python provision.py ADMIN_USERNAME BUNDLE_DIR
"""

import os
import sys
from pathlib import Path

from superset.app import create_app


def main(username: str, bundle: Path) -> None:
    app = create_app()
    with app.app_context():
        from superset import security_manager
        from superset.commands.importers.v1.assets import ImportAssetsCommand
        from superset.extensions import db
        from superset.utils.core import override_user

        password = os.environ["KEFU_BI_ADMIN_PASSWORD"]
        admin = security_manager.find_user(username=username)
        if admin is None:
            admin = security_manager.add_user(
                username,
                "kefu",
                "admin",
                f"{username}@localhost",
                security_manager.find_role("Admin"),
                password=password,
            )
        else:
            security_manager.reset_password(admin.id, password)
        contents = {str(p.relative_to(bundle)): p.read_text(encoding="utf-8") for p in bundle.rglob("*.yaml")}
        with override_user(admin):
            ImportAssetsCommand(contents).run()
        db.session.commit()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
