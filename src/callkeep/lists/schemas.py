"""What the lists domain takes in and gives back over the API and the command line."""

from __future__ import annotations

import builtins
from datetime import date, datetime

from pydantic import BaseModel, Field


class UnreadableLineOut(BaseModel):
    source: str
    line: int
    text: str
    reason: str


class ImportReport(BaseModel):
    """What one import did (or that the same file was already imported)."""

    list: str
    version: str
    version_id: str
    already_imported: bool = False
    as_of: date
    change: bool
    source_name: str
    sha256: str
    storage: str
    numbers_read: int
    added: int
    removed: int
    removed_absent: int = Field(description="change-list deletions of numbers not on the list")
    unreadable: int
    first_unreadable: builtins.list[UnreadableLineOut] = []
    headers: int = 0
    size: int
    area_codes: builtins.list[int] = []
    seconds: float = 0.0
    renews: str | None = Field(
        default=None,
        description="the version whose content was obtained again: this one shares its file",
    )


class ListStatus(BaseModel):
    """One list: its version in force, size and age; coverage and freshness for the national one."""

    list: str
    version: str | None
    version_id: str | None
    as_of: date | None
    imported_at: datetime | None
    size: int
    age_days: int | None
    versions: int
    entries: int | None = None
    area_codes: builtins.list[int] | None = None
    safe_harbor_days_left: int | None = None
    stale: bool | None = None


class EntityEntryIn(BaseModel):
    """A number, or a whole area code, a seller must not call from now on."""

    seller: str | None = None
    phone: str | None = None
    area_code: int | None = Field(default=None, ge=200, le=999)
    source: str = "staff"
    reference: str | None = None


class EntityEntryOut(BaseModel):
    id: str
    seller_slug: str
    phone: str | None
    area_code: int | None
    source: str
    reference: str | None
    effective_at: datetime
    expires_at: datetime
