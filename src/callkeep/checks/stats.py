"""What the pre-call decisions say in aggregate: checks allowed, and blocked by reason."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from callkeep.checks.models import Decision, ScrubRun


@dataclass(frozen=True)
class CheckCounts:
    allowed: int
    blocked: int
    by_reason: list[tuple[str, int]]  # a blocked check counts once under each of its reasons


def decision_counts(
    *,
    session: Session,
    since: datetime,
    until: datetime,
    seller_ids: frozenset[str] | None = None,
    campaign_ids: frozenset[str] | None = None,
) -> CheckCounts:
    """Checks decided in [since, until): the database groups them by outcome and by their
    (few distinct) reason lists; the lists are then split into their codes."""
    conditions: list[ColumnElement[bool]] = [Decision.at >= since, Decision.at < until]
    if seller_ids is not None:
        conditions.append(Decision.seller_id.in_(sorted(seller_ids)))
    if campaign_ids is not None:
        conditions.append(Decision.campaign_id.in_(sorted(campaign_ids)))
    rows = session.execute(
        select(Decision.allowed, Decision.reasons, func.count())
        .where(*conditions)
        .group_by(Decision.allowed, Decision.reasons)
    )
    allowed = blocked = 0
    reasons: Counter[str] = Counter()
    for is_allowed, reason_text, count in rows:
        if is_allowed:
            allowed += int(count)
            continue
        blocked += int(count)
        for reason in json.loads(reason_text or "[]"):
            reasons[str(reason.get("code", "unknown"))] += int(count)
    return CheckCounts(allowed, blocked, sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))


def recent_scrubs(
    *, session: Session, seller_ids: frozenset[str] | None = None, limit: int = 50
) -> list[ScrubRun]:
    """The latest bulk scrubs, newest first."""
    query = select(ScrubRun).order_by(ScrubRun.recorded_at.desc(), ScrubRun.id.desc())
    if seller_ids is not None:
        query = query.where(ScrubRun.seller_id.in_(sorted(seller_ids)))
    return list(session.scalars(query.limit(limit)))


def get_scrub(*, session: Session, scrub_id: str) -> ScrubRun | None:
    return session.get(ScrubRun, scrub_id)
