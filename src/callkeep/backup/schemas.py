"""What a backup holds and what checking one finds."""

from __future__ import annotations

from pydantic import BaseModel


class BackupFile(BaseModel):
    path: str
    sha256: str
    bytes: int


class Manifest(BaseModel):
    format: int = 1
    callkeep_version: str
    created_at: str
    engine: str
    tables: dict[str, int]
    ledger_head_seq: int
    ledger_head_hash: str
    files: list[BackupFile]
    key_ids: list[str]
    # where the key file was when the backup was made, and a fingerprint that names that key
    # (never the key): what a restore asks for when the key at hand is another
    key_file: str | None = None
    key_fingerprint: str | None = None


class BackupCheck(BaseModel):
    intact: bool
    signed_by_this_key: bool | None
    problems: list[str]
    manifest: Manifest | None


class LastGoodBackup(BaseModel):
    """The newest backup that verified after it was written."""

    file: str
    created_at: str
    verified_at: str
    verified: bool
    bytes: int
    ledger_head_seq: int
