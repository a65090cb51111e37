"""Sellers and campaigns as currently amended, kept per process and re-read when they change.

Every pre-call decision resolves its seller and campaign. Reading them with their amendments
costs more than the rest of the decision, yet they change rarely, and only by insertion (records
are never updated in place). So one small query, the count and newest id of sellers, campaigns
and their amendments, tells whether anything changed since they were read, in this process or
another one sharing the database; only then are they read again.

A transaction that has itself added a seller, campaign or amendment sees a different count, so it
reads its own view; other transactions then see a stamp that is not theirs and read theirs.
Within one transaction (a check resolves its seller, then its campaign) the directory is asked
once, and again only after the transaction has added a seller, campaign or amendment. The
caching itself is `kit.stamped.StampedCache`, shared with the lists' catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from callkeep.errors import InvalidInput
from callkeep.kit.stamped import StampedCache, stamp_of
from callkeep.records import amendments
from callkeep.records import models as rm
from callkeep.records.parties import models as m

_AMENDMENTS = (
    select(rm.Amendment.id)
    .where(or_(rm.Amendment.target_type == "sellers", rm.Amendment.target_type == "campaigns"))
    .subquery()
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
                    "seller",
                    "no seller is set up: 'callkeep db upgrade' records the default seller",
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


def directory(*, session: Session) -> Directory:
    """The sellers and campaigns as this session sees them; one small query when unchanged,
    none when asked again in a transaction that has added no seller, campaign or amendment."""
    return _DIRECTORY.get(session=session)


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


_DIRECTORY = StampedCache(
    "records.directory",
    stamp=stamp_of(
        (m.Seller.__table__, m.Seller.id),
        (m.Campaign.__table__, m.Campaign.id),
        (_AMENDMENTS, _AMENDMENTS.c.id),
    ),
    load=_load,
    watches=(m.Seller, m.Campaign, rm.Amendment),
)
