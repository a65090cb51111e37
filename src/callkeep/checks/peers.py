"""The other domains a decision reads, each behind one small function.

Sellers, campaigns and the facts about a number (addresses, consents, purchases, calls) belong to
`records`; the lists to `lists`. A database holds its default seller from `db upgrade` on, so a
decision naming no seller is made for that one; with no seller at all it is refused, never made
for a seller that is not on record.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

import numpy as np
from sqlalchemy.orm import Session

from callkeep.lists import service as lists_service
from callkeep.records import service as records


@dataclass(frozen=True)
class Seller:
    """The seller a decision is made for."""

    id: str
    slug: str
    name: str
    screen_litigators: bool


@dataclass(frozen=True)
class Campaign:
    """The campaign a decision is made for."""

    id: str
    slug: str
    subject: str
    dialing_mode: str  # "manual" | "predictive" | "prerecorded"


class Facts(Protocol):
    """What the records say about a number (records.service.PhoneFacts)."""

    @property
    def states(self) -> frozenset[str]: ...
    @property
    def zips(self) -> frozenset[str]: ...
    @property
    def addresses(self) -> frozenset[tuple[str, str]]:
        """Each known address of the number's contacts as (state or "", ZIP or "")."""
        ...

    @property
    def written_consent(self) -> bool: ...
    @property
    def consent_revoked(self) -> bool: ...
    @property
    def last_purchase_at(self) -> datetime | None: ...
    @property
    def last_inquiry_at(self) -> datetime | None: ...
    @property
    def calls_24h(self) -> int: ...
    @property
    def completed_calls_8h(self) -> int: ...


@dataclass(frozen=True)
class ListHits:
    """One list in force at the moment asked: its name, version, and a hit flag per number."""

    list: str
    version: str | None
    hits: np.ndarray


@dataclass(frozen=True)
class Coverage:
    """The national registry version in force and the area codes it covers."""

    version: str | None
    as_of: date | None
    area_codes: frozenset[int]


def resolve_seller(*, session: Session, ref: str | None) -> Seller:
    """The seller named by id or slug (None: the default seller); unknown is InvalidInput."""
    view = records.resolve_seller(session=session, ref=ref or None)
    return Seller(
        id=view.id, slug=view.slug, name=view.name, screen_litigators=view.screen_litigators
    )


def resolve_campaign(*, session: Session, ref: str | None, seller: Seller) -> Campaign | None:
    """The seller's campaign named by id or slug (None: no campaign); unknown is InvalidInput."""
    if ref is None or ref == "":
        return None
    view = records.resolve_campaign(session=session, ref=ref, seller_id=seller.id)
    return Campaign(
        id=view.id, slug=view.slug, subject=view.subject, dialing_mode=view.dialing_mode
    )


def phone_facts(
    *,
    session: Session,
    seller: Seller,
    campaign: Campaign | None,
    at: datetime,
    phones: Collection[str] | None,
) -> Mapping[str, Facts]:
    """The records' facts per E.164 number (phones=None: every number with a fact, for bulk)."""
    found: Mapping[str, Facts] = records.phone_facts(
        session=session,
        seller_id=seller.id,
        subject=campaign.subject if campaign else None,
        at=at,
        phones=phones,
    )
    return found


def lookup_many(
    *, session: Session, numbers: np.ndarray, at: datetime, seller: Seller
) -> list[ListHits]:
    """Each list in force at `at` and whether each 10-digit NANP number is on it."""
    if len(numbers) == 0:
        return []
    answers = lists_service.lookup_many(
        session=session, numbers=numbers, at=at, seller_slug=seller.slug
    )
    return [
        ListHits(list=str(a.list), version=a.version, hits=np.asarray(a.hits, dtype=bool))
        for a in answers
    ]


def entity_list_changes(*, session: Session, seller: Seller) -> list[datetime]:
    """The seconds at which the seller's own list entries come into force or lapse."""
    return lists_service.entity_list_changes(session=session, seller_slug=seller.slug)


def national_coverage(*, session: Session, at: datetime) -> Coverage:
    """The national registry in force at `at` (none: every number is `registry_missing`)."""
    return _coverage(lists_service.national_coverage(session=session, at=at))


@functools.lru_cache(maxsize=64)
def _coverage(found: lists_service.NationalCoverage) -> Coverage:
    return Coverage(
        version=found.version,
        as_of=found.as_of,
        area_codes=frozenset(int(a) for a in found.area_codes),
    )
