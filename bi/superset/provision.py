"""Run by .venv-bi's Python (`kefu bi`), one process for what would otherwise be three Superset
starts (~5 s each): with --init, Superset's metadata database migrated and its roles synced,
as `superset db upgrade` and `superset init` do (once per Superset release); then the admin
user (its password from KEFU_BI_ADMIN_PASSWORD, reset to it on every run) and the import
bundle kefu wrote, imported with Superset's own assets command (what POST
/api/v1/assets/import runs: everything in the bundle is created or overwritten, matched by UUID).

usage: python provision.py [--init] ADMIN_USERNAME BUNDLE_DIR
"""

import os
import sys
from pathlib import Path

from superset.app import create_app


def initialise() -> None:
    """`superset db upgrade` (Flask-Migrate's upgrade, with the migrations directory Superset
    registered) and `superset init` (superset/cli/main.py: its two calls)."""
    from flask_migrate import upgrade
    from superset import appbuilder, security_manager
    from superset.extensions import db

    upgrade()
    appbuilder.add_permissions(update_perms=True)
    security_manager.sync_role_definitions()
    db.session.commit()


def main(username: str, bundle: Path, init: bool) -> None:
    app = create_app()
    with app.app_context():
        from superset import security_manager
        from superset.commands.importers.v1.assets import ImportAssetsCommand
        from superset.extensions import db
        from superset.utils.core import override_user

        if init:
            initialise()
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
    init = "--init" in sys.argv[1:]
    username, bundle = [a for a in sys.argv[1:] if a != "--init"]
    main(username, Path(bundle), init)
