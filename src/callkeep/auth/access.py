"""The access log: every read of personal data is itself recorded, through the ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from callkeep.auth.models import AccessRecord
from callkeep.kit.db import Database
from callkeep.ledger import service as ledger


def record_reads(
    *, db: Database, actor: str, entity_type: str, entity_ids: list[str], via: str
) -> None:
    """Records that `actor` read these records' personal data, in its own small transaction
    (reads run in read-only transactions, so the log cannot ride on theirs)."""
    if not entity_ids:
        return
    rows = [
        {"entity_type": entity_type, "entity_id": i[:200], "via": via[:200]} for i in entity_ids
    ]
    with db.transaction() as session:
        ledger.record_many(session=session, actor=actor, model=AccessRecord, rows=rows)


SIGN_IN_EVENTS = ("sign_in", "sign_in_failed", "sign_in_locked", "sign_out")


def list_access(
    *,
    session: Session,
    actor: str | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[AccessRecord], int]:
    """Access-log entries newest first: reads of personal data (`kind` "read") and sign-ins
    ("sign_in"), filtered by who (part of the actor's name) and when; and how many match."""
    conditions: list[ColumnElement[bool]] = []
    if actor:
        conditions.append(AccessRecord.recorded_by.contains(actor, autoescape=True))
    if kind == "read":
        conditions.append(AccessRecord.entity_type.not_in(SIGN_IN_EVENTS))
    elif kind == "sign_in":
        conditions.append(AccessRecord.entity_type.in_(SIGN_IN_EVENTS))
    if since is not None:
        conditions.append(AccessRecord.recorded_at >= since)
    if until is not None:
        conditions.append(AccessRecord.recorded_at < until)
    total = session.scalar(select(func.count()).select_from(AccessRecord).where(*conditions))
    rows = session.scalars(
        select(AccessRecord)
        .where(*conditions)
        .order_by(AccessRecord.recorded_at.desc(), AccessRecord.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total or 0)
