"""What a running callkeep holds: settings, the database, the keyring."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from callkeep.config import Settings
from callkeep.kit import crypto
from callkeep.kit.db import Database


@dataclass
class Runtime:
    """One process's settings, database and keys; built once by the app or the CLI."""

    settings: Settings
    db: Database
    keys: crypto.Keyring


def build_runtime(settings: Settings) -> Runtime:
    """Creates the data directory and key file if needed, and opens the database."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    keep_database_private(settings.database_url)
    keys = crypto.load_or_create_keyring(settings.key_file)
    crypto.install(keys)
    db = Database(settings.database_url, info={"snapshot_dir": str(settings.snapshot_dir)})
    return Runtime(settings=settings, db=db, keys=keys)


def keep_database_private(url: str) -> None:
    """An SQLite database holds personal data: it is created with mode 0600, and it and its
    -wal, -shm and -journal files are kept so (SQLite gives those the database file's mode)."""
    if not url.startswith("sqlite"):
        return
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for suffix in ("", "-wal", "-shm", "-journal"):
        part = path.with_name(path.name + suffix)
        if part.exists() and part.stat().st_mode & 0o077:
            os.chmod(part, 0o600)
