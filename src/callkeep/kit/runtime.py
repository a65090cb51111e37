"""What a running callkeep holds: settings, the database, the keyring."""

from __future__ import annotations

from dataclasses import dataclass

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
    keys = crypto.load_or_create_keyring(settings.key_file)
    crypto.install(keys)
    db = Database(settings.database_url, info={"snapshot_dir": str(settings.snapshot_dir)})
    return Runtime(settings=settings, db=db, keys=keys)
