"""The ledger table, and the base every ledgered record derives from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text, inspect
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


class Checkpoint(Base):
    """A signed checkpoint: the ledger's size and Merkle tree hash at one moment.

    Not a ledgered record (writing one through the ledger would change what it signs); its
    signature is its own proof. The frontier lets the next checkpoint extend this one in
    O(log n) plus the entries since.
    """

    __tablename__ = "ledger_checkpoints"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[str] = mapped_column(String(64))
    frontier: Mapped[str] = mapped_column(Text)  # the frontier's nodes, hex, space-separated
    origin: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WitnessAnswer(Base):
    """What a witness answered when a checkpoint was sent to it (status 0: no answer)."""

    __tablename__ = "ledger_witness_answers"
    __table_args__ = (Index("ix_ledger_witness_answers_size", "checkpoint_size", "url"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    checkpoint_size: Mapped[int] = mapped_column(BigInteger)
    url: Mapped[str] = mapped_column(String(2000))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)


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
