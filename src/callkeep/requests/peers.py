"""The other domains a request touches, each behind one small function.

Sellers and consents belong to `records`, the entity-specific list to `lists`. While either
domain is absent from an installation, these fall back to a single default seller and to the
request itself as the block; every call site goes through here, so nothing else changes.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import Any

from sqlalchemy.orm import Session

DEFAULT_SELLER_SLUG = "default"


@dataclass(frozen=True)
class Seller:
    """The seller a request is about, as this domain needs it."""

    id: str
    slug: str
    name: str


@dataclass(frozen=True)
class EntityBlock:
    """The entity-specific list entry that honors a request."""

    id: str | None
    recorded_at: datetime | None


def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and name.startswith(exc.name):
            return None
        raise


def _records_queries() -> Any:
    return _module("callkeep.records.queries")


def _lists_service() -> Any:
    return _module("callkeep.lists.service")


def resolve_seller(*, session: Session, ref: str | None) -> Seller:
    """The seller named by id or slug (None: the default seller); unknown is InvalidInput."""
    queries = _records_queries()
    if queries is None:
        from callkeep.errors import InvalidInput

        if ref not in (None, "", DEFAULT_SELLER_SLUG):
            raise InvalidInput.for_field("seller", f"no seller {ref!r}")
        return Seller(id=DEFAULT_SELLER_SLUG, slug=DEFAULT_SELLER_SLUG, name="this business")
    view = queries.resolve_seller(session=session, ref=ref or None)
    return Seller(id=str(view.id), slug=str(view.slug), name=str(view.name))


def seller_for_called_number(*, session: Session, phone: str | None) -> Seller:
    """The seller whose campaign caller ID or own number is `phone`; else the default seller."""
    queries = _records_queries()
    finder = getattr(queries, "seller_for_phone", None) if queries is not None else None
    if phone and finder is not None:
        view = finder(session=session, phone=phone)
        if view is not None:
            return Seller(id=str(view.id), slug=str(view.slug), name=str(view.name))
    return resolve_seller(session=session, ref=None)


def employee_name(*, session: Session, ref: str) -> tuple[str | None, str]:
    """(employee id, name) for an employee reference; a free name when no employee matches."""
    queries = _records_queries()
    if queries is None:
        return None, ref
    from callkeep.errors import InvalidInput

    try:
        view = queries.resolve_employee(session=session, ref=ref)
    except InvalidInput:
        return None, ref
    return str(view.id), str(view.name)


def add_to_entity_list(
    *, session: Session, actor: str, seller: Seller, phone: str, source: str, reference: str
) -> EntityBlock:
    """Puts `phone` on the seller's entity-specific list now; returns the (possibly earlier) entry."""
    lists = _lists_service()
    if lists is None:
        return EntityBlock(id=None, recorded_at=None)
    entry = lists.add_entity_entry(
        session=session,
        actor=actor,
        seller_slug=seller.slug,
        phone=phone,
        source=source,
        reference=reference,
    )
    return EntityBlock(id=str(entry.id), recorded_at=entry.recorded_at)


def revoke_consents(
    *,
    session: Session,
    actor: str,
    seller: Seller,
    phone: str,
    channel: str,
    evidence: str | None,
    reference: str,
) -> list[str]:
    """Revokes every consent of `phone` for the seller; returns the revocations' ids."""
    queries = _records_queries()
    if queries is None:
        return []
    return list(
        queries.revoke_consents(
            session=session,
            actor=actor,
            seller_id=seller.id,
            phone=phone,
            channel=channel,
            evidence=evidence,
            reference=reference,
        )
    )


def phone_of_call(*, session: Session, call_id: str) -> str | None:
    """The number a recorded call went to, when the records domain knows the call."""
    queries = _records_queries()
    finder = getattr(queries, "phone_of_call", None) if queries is not None else None
    if finder is None:
        return None
    found = finder(session=session, call_id=call_id)
    return str(found) if found is not None else None
