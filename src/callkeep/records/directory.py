"""Sellers and campaigns as currently amended, kept per process and re-read when they change.

Every pre-call decision resolves its seller and campaign. Reading them with their amendments
costs more than the rest of the decision, yet they change rarely, and only by insertion (records
are never updated in place). So one small query, the count and newest id of sellers, campaigns
and their amendments, tells whether anything changed since they were read, in this process or
another one sharing the database; only then are they read again.

A transaction that has itself added a seller, campaign or amendment sees a different count, so it
reads its own view; other transactions then see a stamp that is not theirs and read theirs.
Within one transaction (a check resolves its seller, then its campaign) the directory is asked
once, and again only after the transaction has written a record.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, func, or_, select
from sqlalchemy.orm import Session, SessionTransaction

from callkeep.errors import InvalidInput
from callkeep.kit.sql import Prepared
from callkeep.ledger import service as ledger
from callkeep.records import amendments
from callkeep.records import models as m

_AMENDMENTS = (
    select(m.Amendment.id)
    .where(or_(m.Amendment.target_type == "sellers", m.Amendment.target_type == "campaigns"))
    .subquery()
)
_STAMP = Prepared(
    select(
        select(func.count()).select_from(m.Seller).scalar_subquery(),
        select(func.max(m.Seller.id)).scalar_subquery(),
        select(func.count()).select_from(m.Campaign).scalar_subquery(),
        select(func.max(m.Campaign.id)).scalar_subquery(),
        select(func.count()).select_from(_AMENDMENTS).scalar_subquery(),
        select(func.max(_AMENDMENTS.c.id)).scalar_subquery(),
    )
)


@dataclass(frozen=True)
class _Entry:
    """A record as stored (what a reference matches) and its current view (what is used)."""

    id: str
    slug: str
    seller_id: str | None
    view: dict[str, Any]


@dataclass(frozen=True)
class Directory:
    """Every seller (oldest first) and campaign, each with its current view. Read only."""

    sellers: tuple[_Entry, ...]
    campaigns: tuple[_Entry, ...]

    def seller(self, ref: str | None) -> dict[str, Any]:
        """As `sellers.seller_view`: by id or slug; None or blank is the default seller."""
        if ref is None or not ref.strip():
            if not self.sellers:
                raise InvalidInput.for_field(
                    "seller", "no seller is set up yet; add one with 'callkeep sellers add'"
                )
            marked = [e.view for e in self.sellers if e.view["is_default"]]
            return marked[-1] if marked else self.sellers[0].view
        wanted = ref.strip()
        found = _match(self.sellers, wanted, None)
        if found is None:
            raise InvalidInput.for_field("seller", f"no seller {wanted!r}")
        return found.view

    def campaign(self, ref: str, seller_id: str | None) -> dict[str, Any]:
        """As `sellers.campaign_row` then its current view: by id, or slug within the seller."""
        found = _match(self.campaigns, ref, seller_id)
        if found is None:
            raise InvalidInput.for_field("campaign", f"no campaign {ref!r} for this seller")
        return found.view


def _match(entries: tuple[_Entry, ...], ref: str, seller_id: str | None) -> _Entry | None:
    slug = ref.lower()
    mine = [e for e in entries if seller_id is None or e.seller_id == seller_id]
    by_id = [e for e in mine if e.id == ref]
    by_slug = [e for e in mine if e.slug == slug]
    found = by_id or by_slug
    return found[0] if found else None


_MEMO = "callkeep.records.directory"
_lock = threading.Lock()
_cached: dict[str, tuple[tuple[Any, ...], Directory]] = {}


def directory(*, session: Session) -> Directory:
    """The sellers and campaigns as this session sees them; one small query when unchanged,
    none when asked again in a transaction that has written nothing since."""
    written = ledger.appended(session=session)
    memo: tuple[tuple[int, str] | None, Directory] | None = session.info.get(_MEMO)
    if memo is not None and memo[0] == written:
        return memo[1]
    found = _current(session)
    session.info[_MEMO] = (written, found)
    return found


@event.listens_for(Session, "after_transaction_end")
def _forget_at_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_MEMO, None)


def _current(session: Session) -> Directory:
    stamp = _STAMP.rows(session)[0]
    key = str(session.get_bind().engine.url)
    with _lock:
        cached = _cached.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    found = _load(session)
    with _lock:
        _cached[key] = (stamp, found)
    return found


def _load(session: Session) -> Directory:
    seller_rows = list(
        session.scalars(select(m.Seller).order_by(m.Seller.recorded_at, m.Seller.id))
    )
    seller_views = {row.id: amendments.view_of(row) for row in seller_rows}
    amendments.current_views(session=session, target_type="sellers", views=seller_views)
    campaign_rows = list(
        session.scalars(select(m.Campaign).order_by(m.Campaign.recorded_at, m.Campaign.id))
    )
    campaign_views = {row.id: amendments.view_of(row) for row in campaign_rows}
    amendments.current_views(session=session, target_type="campaigns", views=campaign_views)
    return Directory(
        sellers=tuple(_Entry(r.id, r.slug, None, seller_views[r.id]) for r in seller_rows),
        campaigns=tuple(
            _Entry(r.id, r.slug, r.seller_id, campaign_views[r.id]) for r in campaign_rows
        ),
    )
