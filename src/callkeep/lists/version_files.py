"""The files behind the list versions: their hashes, the lock that lets one import at a time
write to a snapshot folder, and the removal of files that no version record names."""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from callkeep.lists import index
from callkeep.lists.models import ListVersion


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(8 * 1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def import_lock(folder: Path) -> Iterator[None]:
    """One import at a time per snapshot folder."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".import.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def recorded_file_names(connection: Session | Connection) -> set[str]:
    """The snapshot and delta files that version records name: the only ones that count."""
    return set(connection.execute(select(ListVersion.file_name)).scalars())


def clean_leftovers(*, session: Session, folder: Path) -> int:
    """Removes temporary files and files no version record names; returns how many.

    Called by an import holding the import lock and the database's write lock (SQLite's, or the
    PostgreSQL advisory lock), which every other import holds from before its rename until its
    commit: a file no committed record names is then a crashed or rolled-back import's, never
    one about to be recorded, however new it is.
    """
    named = recorded_file_names(session)
    removed = 0
    for path in folder.iterdir():
        if path.name.startswith(index.TEMP_PREFIX) or (
            path.suffix in (".snap", ".delta") and path.name not in named
        ):
            path.unlink(missing_ok=True)
            removed += 1
    if removed:
        index.fsync_dir(folder)
    return removed
