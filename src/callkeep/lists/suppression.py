"""What a seller's dialer must suppress: every number and area code on the seller's own list.

The seller's entity-specific list is two things: the versions of `entity:SELLER` imported from
files, and the entries recorded one by one (each consumer's request, `lists entity-add`, the
area codes of a VICIdial download). A dialer's suppression list is their union, as in force at a
moment; `since` keeps only what was added after another moment (for an incremental load).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from callkeep.kit.clock import to_utc_second
from callkeep.lists import service
from callkeep.lists.models import EntityListEntry
from callkeep.lists.state import ListState
from callkeep.phone.parse import nanp_ten_digits


@dataclass(frozen=True)
class Suppression:
    """NANP numbers as 10-digit integers (sorted, once each), whole area codes, and numbers
    outside the NANP in E.164."""

    numbers: np.ndarray
    area_codes: list[int]
    other_numbers: list[str]


def _version_state(session: Session, folder: Path, name: str, at: datetime, slug: str) -> ListState:
    version = service.versions_in_force(session=session, at=at, seller_slug=slug).get(name)
    if version is None:
        return ListState()
    return service.version_index(session=session, folder=folder, version=version).state()


def seller_suppression(
    *,
    session: Session,
    folder: Path,
    seller_slug: str,
    at: datetime,
    since: datetime | None = None,
) -> Suppression:
    """The seller's own list in force at `at`, less what was already in force at `since`."""
    moment = to_utc_second(at, field="at")
    name = f"entity:{seller_slug}"
    current = _version_state(session, folder, name, moment, seller_slug)
    earlier = ListState()
    if since is not None:
        earlier = _version_state(
            session, folder, name, to_utc_second(since, field="since"), seller_slug
        )
    from_files = current.difference(earlier)
    query = select(EntityListEntry.phone, EntityListEntry.area_code).where(
        EntityListEntry.seller_slug == seller_slug,
        EntityListEntry.effective_at <= moment,
        EntityListEntry.expires_at > moment,
    )
    if since is not None:
        query = query.where(EntityListEntry.effective_at > to_utc_second(since, field="since"))
    singles: list[int] = []
    others: set[str] = set()
    codes: set[int] = set()
    for phone, area_code in session.execute(query):
        if phone is None:
            if area_code is not None:
                codes.add(int(area_code))
            continue
        digits = nanp_ten_digits(phone)
        if digits is None:
            others.add(phone)
        else:
            singles.append(digits)
    numbers = np.union1d(from_files, np.asarray(singles, dtype=np.int64)).astype(np.int64)
    return Suppression(numbers=numbers, area_codes=sorted(codes), other_numbers=sorted(others))
