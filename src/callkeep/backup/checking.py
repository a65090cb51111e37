"""Checking a backup: its manifest and signature, the hash of every file, and a replay of its
ledger in a scratch database against the checkpoints it carries; and whether a key file is the
one a backup was signed with, before a restore reads it."""

from __future__ import annotations

import hashlib
import hmac
import tempfile
import zipfile
from pathlib import Path

from callkeep.backup.dump import load_table
from callkeep.backup.schemas import BackupCheck, Manifest
from callkeep.errors import CallkeepError, InvalidInput
from callkeep.kit import crypto
from callkeep.kit.crypto import Keyring
from callkeep.kit.db import Base, Database
from callkeep.ledger import checkpoints
from callkeep.ledger import service as ledger_service
from callkeep.ledger.notes import Verifier, parse_note

PARTIAL_SUFFIX = ".partial"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
VERIFIER_KEY = "checkpoints/verifier-key.txt"
CHUNK = 1 << 20


def signature_of(keys: Keyring, manifest_bytes: bytes) -> str:
    """The HMAC of a manifest under the key derived from the secret key."""
    return hmac.new(keys.derived("backup"), manifest_bytes, hashlib.sha256).hexdigest()


def key_fingerprint(keys: Keyring) -> str:
    """A short name of the key a backup is signed with, that reveals nothing of it."""
    return hashlib.sha256(keys.derived("backup-key-fingerprint")).hexdigest()[:16]


def has_alembic(conn: object) -> bool:
    from sqlalchemy import inspect

    return bool(inspect(conn).has_table("alembic_version"))


def read_manifest(archive: zipfile.ZipFile, problems: list[str]) -> tuple[Manifest | None, bytes]:
    try:
        raw = archive.read(MANIFEST)
        return Manifest.model_validate_json(raw), raw
    except KeyError:
        problems.append("the archive has no manifest.json")
    except ValueError as exc:
        problems.append(f"manifest.json is unreadable: {exc}")
    return None, b""


def check(*, path: Path, keys: Keyring, replay_ledger: bool = True) -> BackupCheck:
    """Recomputes every hash in a backup, its signature, and (optionally) its ledger."""
    problems: list[str] = []
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InvalidInput.for_field("file", f"{path} is not a readable backup: {exc}") from None
    with archive:
        manifest, raw = read_manifest(archive, problems)
        if manifest is None:
            return BackupCheck(
                intact=False, signed_by_this_key=None, problems=problems, manifest=None
            )
        signature = (
            archive.read(SIGNATURE).decode().strip() if SIGNATURE in archive.namelist() else ""
        )
        signed = hmac.compare_digest(signature, signature_of(keys, raw)) if signature else False
        if not signed:
            problems.append("the manifest signature does not match this secret key")
        listed = {f.path for f in manifest.files}
        extra = set(archive.namelist()) - listed - {MANIFEST, SIGNATURE, "schema_revision.txt"}
        problems += [f"{name} is in the archive but not in the manifest" for name in sorted(extra)]
        for entry in manifest.files:
            try:
                sha = hashlib.sha256()
                size = 0
                with archive.open(entry.path) as member:
                    while chunk := member.read(CHUNK):
                        sha.update(chunk)
                        size += len(chunk)
            except (KeyError, zipfile.BadZipFile, OSError) as exc:
                problems.append(f"{entry.path}: unreadable ({exc})")
                continue
            if sha.hexdigest() != entry.sha256 or size != entry.bytes:
                problems.append(f"{entry.path}: content differs from the manifest")
        if replay_ledger and not problems:
            problems += _replay(archive, manifest)
    return BackupCheck(
        intact=not problems, signed_by_this_key=signed, problems=problems, manifest=manifest
    )


def load_into(db: Database, archive: zipfile.ZipFile) -> None:
    with db.engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            name = f"db/{table.name}.jsonl"
            if name in archive.namelist():
                with archive.open(name) as lines:
                    load_table(conn, table, lines)


def _presented_checkpoints(
    archive: zipfile.ZipFile, manifest: Manifest, problems: list[str]
) -> tuple[list[checkpoints.Presented], Verifier | None]:
    names = [f.path for f in manifest.files if f.path.startswith("checkpoints/checkpoint-")]
    if VERIFIER_KEY not in archive.namelist():
        return [], None
    try:
        verifier = Verifier.from_vkey(archive.read(VERIFIER_KEY).decode())
        notes = [
            checkpoints.Presented(
                source=name, note=parse_note(archive.read(name).decode(), where=name)
            )
            for name in names
        ]
    except (CallkeepError, UnicodeDecodeError) as exc:
        problems.append(f"checkpoints: {exc}")
        return [], None
    return notes, verifier


def _replay(archive: zipfile.ZipFile, manifest: Manifest) -> list[str]:
    """Loads the tables into a scratch SQLite database and verifies the ledger there, and each
    checkpoint the backup holds against it."""
    problems: list[str] = []
    presented, verifier = _presented_checkpoints(archive, manifest, problems)
    with tempfile.TemporaryDirectory(prefix="callkeep-backup-") as scratch:
        db = Database(f"sqlite:///{Path(scratch) / 'check.db'}")
        try:
            Base.metadata.create_all(db.engine)
            load_into(db, archive)
            with db.transaction(read_only=True) as session:
                report = ledger_service.verify(
                    session=session, presented=presented, verifier=verifier
                )
        finally:
            db.dispose()
    problems += [f"ledger: {p.message}" for p in report.problems]
    if report.head_seq != manifest.ledger_head_seq or report.head_hash != manifest.ledger_head_hash:
        problems.append("ledger: the head differs from the manifest's")
    return problems


def made_with(manifest: Manifest | None) -> str:
    if manifest is None or not manifest.key_file:
        return "the secret key file of the installation the backup was made on"
    fingerprint = f", fingerprint {manifest.key_fingerprint}" if manifest.key_fingerprint else ""
    return f"the key file the backup was made with ({manifest.key_file} there{fingerprint})"


def check_restore_key(*, path: Path, key_file: Path) -> Keyring:
    """The key a restore will use, checked against the backup before anything is created: no
    data folder, key or database is made when the key is missing or is not the backup's."""
    if not path.is_file():
        raise InvalidInput.for_field("file", f"{path}: no such backup file")
    if not key_file.is_file():
        try:
            with zipfile.ZipFile(path) as archive:
                manifest, _ = read_manifest(archive, [])
        except (OSError, zipfile.BadZipFile) as exc:
            raise InvalidInput.for_field(
                "file", f"{path} is not a readable backup: {exc}"
            ) from None
        raise InvalidInput.for_field(
            "key",
            f"there is no key file at {key_file}: copy {made_with(manifest)} to {key_file}, "
            "then restore again (without that key the personal data cannot be read)",
        )
    keys = crypto.read_keyring(key_file)
    result = check(path=path, keys=keys)
    if result.manifest is not None and result.signed_by_this_key is False:
        raise InvalidInput.for_field(
            "key",
            f"the backup was not made with the key in {key_file}"
            f" (fingerprint {key_fingerprint(keys)}): copy {made_with(result.manifest)} to "
            f"{key_file}, then restore again",
        )
    if not result.intact:
        raise CallkeepError("the backup did not verify: " + "; ".join(result.problems))
    return keys
