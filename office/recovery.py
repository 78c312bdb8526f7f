"""Opening the app's database as the office needs it: storage.backup's recovery (a missing file rebuilt from
the backup, a corrupt or cut-short one moved aside and rebuilt, a read-only one opened for reading) with the
shipped default data put in place by office.bootstrap.

    python -m office.recovery export  [--db PATH] [--out DIR]
    python -m office.recovery rebuild [--db PATH] [--from DIR]     # an existing file is moved aside first
"""
from __future__ import annotations

import sys
from pathlib import Path

from office.bootstrap import ensure_default_data
from storage import backup
from storage.db import Store


def open_database(db_path: str | Path | None = None) -> tuple[Store, tuple[str, dict] | None]:
    """The app's store and a notice (code, params) for the user, or None when all is well."""
    return backup.open_with_recovery(db_path, seed=ensure_default_data)


def rebuild(db_path: str | Path, folder: str | Path | None = None):
    """A new database from the shipped data and a backup folder (the old file moved aside)."""
    return backup.rebuild(db_path, folder, seed=ensure_default_data)


def main(argv: list[str] | None = None) -> int:
    return backup.main(argv, seed=ensure_default_data)


if __name__ == "__main__":
    sys.exit(main())
