"""Which production packages were made, by whom and when (for the staff app's access log)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from callkeep.reports.models import ExportRecord


def list_exports(
    *,
    session: Session,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
) -> list[ExportRecord]:
    """Export records newest first, filtered by who (part of the actor's name) and when."""
    conditions: list[ColumnElement[bool]] = []
    if actor:
        conditions.append(ExportRecord.recorded_by.contains(actor, autoescape=True))
    if since is not None:
        conditions.append(ExportRecord.recorded_at >= since)
    if until is not None:
        conditions.append(ExportRecord.recorded_at < until)
    return list(
        session.scalars(
            select(ExportRecord)
            .where(*conditions)
            .order_by(ExportRecord.recorded_at.desc(), ExportRecord.id.desc())
            .limit(limit)
        )
    )
