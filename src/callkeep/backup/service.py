"""Creating and restoring backups; checking one is `backup/checking.py`'s, reached through here.

A backup is a zip: every table as JSON lines (encrypted columns as ciphertext), the list
snapshot files the list versions name, the ledger's signed checkpoints with the key that verifies
them, and a manifest with the SHA-256 of each file and the ledger head, signed with an HMAC key
derived from the secret key. The secret key itself is never in a backup: keep a copy of the key
file somewhere else, or the personal data in a backup cannot be read.

A backup is written as ``<name>.<pid>.partial`` and renamed once complete, so a file named
``*.zip`` is always whole. A writer holds a shared lock on the folder's ``.backup.lock`` while its
partial exists; a partial found while no writer holds it is a killed backup's, and is removed
by the next backup.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import secrets
import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy import func, select, text

from callkeep import __version__, migrations
from callkeep.backup.checking import (
    CHUNK,
    MANIFEST,
    SIGNATURE,
    VERIFIER_KEY,
    has_alembic,
    key_fingerprint,
    load_into,
    signature_of,
)
from callkeep.backup.checking import check as check
from callkeep.backup.checking import check_restore_key as check_restore_key
from callkeep.backup.dump import dump_table
from callkeep.backup.schemas import BackupCheck, BackupFile, LastGoodBackup, Manifest
from callkeep.config import Settings
from callkeep.errors import CallkeepError, Conflict, InvalidInput
from callkeep.kit.clock import iso, utcnow
from callkeep.kit.db import Base
from callkeep.kit.runtime import Runtime
from callkeep.ledger import checkpoints
from callkeep.ledger import service as ledger_service
from callkeep.ledger.models import LedgerEntry
from callkeep.lists.index import TEMP_PREFIX, fsync_dir
from callkeep.lists.version_files import recorded_file_names

PARTIAL_SUFFIX = ".partial"
_WRITERS_LOCK = ".backup.lock"
_log = logging.getLogger(__name__)


class _Hashing:
    """A writer that hashes and counts what passes through it."""

    def __init__(self, sink: IO[bytes]) -> None:
        self.sink = sink
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        self.size += len(data)
        return self.sink.write(data)


def _snapshot_files(root: Path, named: set[str]) -> list[Path]:
    """The list files version records name (never a crashed import's unrecorded file)."""
    return sorted(root / name for name in named if (root / name).is_file())


def _checkpoint_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{checkpoints.FILE_PREFIX}*.txt"))


@contextmanager
def _writing(folder: Path) -> Iterator[None]:
    """Held while a partial backup exists in `folder`: other backups leave it alone."""
    with open(folder / _WRITERS_LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sweep_partials(folder: Path) -> list[Path]:
    """Removes the partial backups of writers that are gone (killed); returns them.

    Does nothing while any backup is being written into `folder`.
    """
    if not folder.is_dir():
        return []
    with open(folder / _WRITERS_LOCK, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return []
        try:
            stale = sorted(folder.glob(f"*{PARTIAL_SUFFIX}"))
            for path in stale:
                path.unlink(missing_ok=True)
            return stale
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def create(*, rt: Runtime, out: Path) -> Manifest:
    """Writes a consistent backup of the database, list snapshots and checkpoints to `out`.

    `out` appears only once complete; a backup killed on the way leaves a partial file that the
    next backup into the same folder removes.
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    sweep_partials(out.parent)
    try:
        checkpoints.make(rt=rt)  # the backup holds a checkpoint at (nearly) its own head
    except CallkeepError as exc:  # a broken ledger is backed up all the same, as evidence
        _log.error("no checkpoint before the backup: %s", exc.message)
    with _writing(out.parent):
        partial = out.with_name(f"{out.name}.{os.getpid()}{PARTIAL_SUFFIX}")
        try:
            manifest = _write(rt=rt, partial=partial)
            with partial.open("rb") as handle:
                os.fsync(handle.fileno())
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
    fsync_dir(out.parent)
    return manifest


def _write(*, rt: Runtime, partial: Path) -> Manifest:
    files: list[BackupFile] = []
    tables: dict[str, int] = {}
    engine = rt.db.engine
    options = {} if rt.db.is_sqlite else {"isolation_level": "REPEATABLE READ"}
    # a backup holds personal data: readable by its owner only, from its first byte
    zip_file = os.fdopen(os.open(partial, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600), "w+b")
    os.chmod(partial, 0o600)  # a leftover partial from an earlier try keeps its own mode
    with zip_file, zipfile.ZipFile(zip_file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with (
            engine.connect().execution_options(sqlite_begin="DEFERRED", **options) as conn,
            conn.begin(),
        ):
            named = recorded_file_names(conn)
            for table in Base.metadata.sorted_tables:
                name = f"db/{table.name}.jsonl"
                with archive.open(name, "w", force_zip64=True) as member:
                    sink = _Hashing(member)
                    tables[table.name] = dump_table(conn, table, sink)  # type: ignore[arg-type]
                files.append(BackupFile(path=name, sha256=sink.sha.hexdigest(), bytes=sink.size))
            head = conn.execute(
                select(LedgerEntry.seq, LedgerEntry.hash).order_by(LedgerEntry.seq.desc()).limit(1)
            ).first()
            revision = (
                conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                if has_alembic(conn)
                else None
            )
        copies = [
            ("lists/" + path.name, path)
            for path in _snapshot_files(rt.settings.snapshot_dir, named)
        ] + [
            ("checkpoints/" + path.name, path)
            for path in _checkpoint_files(rt.settings.checkpoint_dir)
        ]
        for name, path in copies:
            with archive.open(name, "w", force_zip64=True) as member, path.open("rb") as source:
                sink = _Hashing(member)
                shutil.copyfileobj(source, sink, CHUNK)
            files.append(BackupFile(path=name, sha256=sink.sha.hexdigest(), bytes=sink.size))
        vkey = (checkpoints.verifier_for(rt.settings).vkey + "\n").encode()
        archive.writestr(VERIFIER_KEY, vkey)
        files.append(
            BackupFile(path=VERIFIER_KEY, sha256=hashlib.sha256(vkey).hexdigest(), bytes=len(vkey))
        )
        manifest = Manifest(
            callkeep_version=__version__,
            created_at=iso(utcnow()),
            engine=engine.dialect.name,
            tables=tables,
            ledger_head_seq=head[0] if head else 0,
            ledger_head_hash=head[1] if head else ledger_service.GENESIS,
            files=files,
            key_ids=[key_id for key_id, _ in rt.keys.keys],
            key_file=str(rt.settings.key_file.resolve()),
            key_fingerprint=key_fingerprint(rt.keys),
        )
        manifest_bytes = manifest.model_dump_json(indent=2).encode()
        archive.writestr(MANIFEST, manifest_bytes)
        archive.writestr(SIGNATURE, signature_of(rt.keys, manifest_bytes) + "\n")
        archive.writestr("schema_revision.txt", (revision or "") + "\n")
    return manifest


def restore(*, rt: Runtime, path: Path) -> Manifest:
    """Restores a verified backup into this runtime's empty database and snapshot folder."""
    result = check(path=path, keys=rt.keys)
    if not result.intact or result.manifest is None:
        raise CallkeepError("the backup did not verify: " + "; ".join(result.problems))
    migrations.upgrade(rt.settings.database_url)
    with rt.db.transaction(read_only=True) as session:
        if session.scalar(select(func.count()).select_from(LedgerEntry)):
            raise Conflict(
                "the target database is not empty: restore into a new database "
                "(set CALLKEEP_DATABASE_URL and CALLKEEP_DATA_DIR to fresh ones)"
            )
    with zipfile.ZipFile(path) as archive:
        load_into(rt.db, archive)
        folders = {
            "lists/": rt.settings.snapshot_dir,
            "checkpoints/checkpoint-": rt.settings.checkpoint_dir,
        }
        for entry in result.manifest.files:
            prefix = next((p for p in folders if entry.path.startswith(p)), None)
            if prefix is None:
                continue
            root = folders[prefix]
            target = (root / entry.path.split("/", 1)[1]).resolve()
            if root.resolve() not in target.parents:
                raise InvalidInput.for_field("file", f"{entry.path} points outside the data folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            # a temporary name the next list import sweeps away should a restore be killed
            partial = target.with_name(f"{TEMP_PREFIX}restoring-{target.name}")
            with archive.open(entry.path) as source, partial.open("wb") as sink:
                shutil.copyfileobj(source, sink, CHUNK)
                sink.flush()
                os.fsync(sink.fileno())
            os.replace(partial, target)
    return result.manifest


LAST_GOOD = "last-good.json"


def create_verified(*, rt: Runtime, out: Path) -> BackupCheck:
    """Writes a backup, verifies it at once, and writes it down as the last good one if it is."""
    create(rt=rt, out=out)
    result = check(path=out, keys=rt.keys)
    if result.intact:
        _record_good(rt.settings, path=out.resolve(), result=result)
    return result


def _record_good(settings: Settings, *, path: Path, result: BackupCheck) -> LastGoodBackup:
    assert result.manifest is not None
    good = LastGoodBackup(
        file=str(path),
        created_at=result.manifest.created_at,
        verified_at=iso(utcnow()),
        verified=result.intact,
        bytes=path.stat().st_size,
        ledger_head_seq=result.manifest.ledger_head_seq,
    )
    target = settings.backup_dir / LAST_GOOD
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{LAST_GOOD}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    temp.write_text(good.model_dump_json(indent=2))
    os.replace(temp, target)
    return good


def last_good_backup(settings: Settings) -> LastGoodBackup | None:
    """The newest backup that verified after it was written (time, file, verified), or None.

    For health pages: `/readyz`, `/metrics`, `callkeep backup status`.
    """
    try:
        return LastGoodBackup.model_validate_json((settings.backup_dir / LAST_GOOD).read_bytes())
    except (OSError, ValueError):
        return None
