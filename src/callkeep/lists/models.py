"""The lists' evidence: every version of every list, and each seller's own entries.

The numbers themselves live in snapshot files under the data directory (see `index.py`); these
records say which file holds which version, where it came from, and who accessed the registry.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callkeep.kit.db import UTCDateTime
from callkeep.ledger.models import Recorded


class ListVersion(Recorded):
    """One version of one list, made by one import (16 CFR 310.5(a)(11) for the national one).

    `storage` is ``snapshot`` (the file holds every number) or ``delta`` (the file holds the
    numbers added and removed since the snapshot `base_version_id`).
    """

    __tablename__ = "list_versions"
    __table_args__ = (
        Index("ix_list_versions_list_seq", "list_name", "seq"),
        Index("ix_list_versions_list_sha", "list_name", "source_sha256"),
    )

    list_name: Mapped[str] = mapped_column(String(100))
    seq: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(40))
    as_of: Mapped[date] = mapped_column(Date)
    change: Mapped[bool] = mapped_column()
    storage: Mapped[str] = mapped_column(String(10))
    base_version_id: Mapped[str] = mapped_column(String(26))
    file_name: Mapped[str] = mapped_column(String(200))
    file_sha256: Mapped[str] = mapped_column(String(64))
    source_name: Mapped[str] = mapped_column(String(1000))
    source_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    added: Mapped[int] = mapped_column(Integer)
    removed: Mapped[int] = mapped_column(Integer)
    removed_absent: Mapped[int] = mapped_column(Integer)
    unreadable: Mapped[int] = mapped_column(Integer)
    # "207:2026-11-20 603:2026-10-01": each covered area code and the date its data is as of.
    coverage: Mapped[str] = mapped_column(Text)
    # The 310.5(a)(11) access record.
    accessed_by: Mapped[str] = mapped_column(String(200))
    accessed_on: Mapped[date] = mapped_column(Date)
    san: Mapped[str | None] = mapped_column(String(40), nullable=True)
    campaigns: Mapped[str | None] = mapped_column(String(1000), nullable=True)


class EntityListEntry(Recorded):
    """A number (or a whole area code) a seller must not call, from the moment it was recorded.

    Entity-specific requests are honoured five years (47 CFR 64.1200(d)(6)); `expires_at` says
    until when. Entries are never removed by an import or an edit.
    """

    __tablename__ = "entity_list_entries"
    __table_args__ = (
        # A check asks for the entries in force naming its number, or its area code, and for
        # the newest entry in force. With the time last in the first two, SQLite (which has no
        # statistics here) prefers them whenever a number or area code is given.
        Index("ix_entity_list_entries_seller_phone", "seller_slug", "phone", "effective_at"),
        Index(
            "ix_entity_list_entries_seller_area_code", "seller_slug", "area_code", "effective_at"
        ),
        Index("ix_entity_list_entries_seller_effective", "seller_slug", "effective_at", "id"),
    )

    seller_slug: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    area_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(200), nullable=True)
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
