"""The ledger table, and the base every ledgered record derives from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String, inspect
from sqlalchemy.orm import Mapped, mapped_column

from callkeep.kit.clock import utcnow
from callkeep.kit.db import Base, UTCDateTime
from callkeep.kit.ids import new_id


class LedgerEntry(Base):
    """One write: who did what to which record, chained to the entry before it."""

    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entity", "entity_type", "entity_id", "seq"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    entity_type: Mapped[str] = mapped_column(String(80))
    entity_id: Mapped[str] = mapped_column(String(80))
    digest: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class Recorded(Base):
    """A record that is evidence: written once through the ledger, never updated in place.

    Subclasses are tables; the ledger names them by table name. Corrections are new records
    (amendments) that point at the original.
    """

    __abstract__ = True

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))

    def ledger_content(self) -> dict[str, Any]:
        """Every column of this record, by attribute name: what the ledger digests."""
        return {attr.key: getattr(self, attr.key) for attr in inspect(type(self)).column_attrs}


def recorded_models() -> list[type[Recorded]]:
    """Every ledgered table class known to the mapper registry."""
    found = [
        mapper.class_
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, Recorded) and not mapper.class_.__dict__.get("__abstract__")
    ]
    return sorted(found, key=lambda cls: cls.__tablename__)
