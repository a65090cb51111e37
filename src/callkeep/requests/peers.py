"""The other domains a request touches, each behind one small function.

Sellers, employees, calls, consents and the access log belong to `records`; the
entity-specific list belongs to `lists`. Every call site in this domain goes through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from callkeep.errors import InvalidInput
from callkeep.ledger import service as ledger_service
from callkeep.ledger.schemas import CheckpointOut
from callkeep.lists import service as lists_service
from callkeep.lists import suppression as lists_suppression
from callkeep.lists.suppression import Suppression
from callkeep.records import service as records


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


def resolve_seller(*, session: Session, ref: str | None) -> Seller:
    """The seller named by id or slug (None: the default seller); unknown is InvalidInput."""
    view = records.resolve_seller(session=session, ref=ref or None)
    return Seller(id=str(view.id), slug=str(view.slug), name=str(view.name))


def seller_for_called_number(*, session: Session, phone: str | None) -> Seller:
    """The seller whose campaign caller ID or own number is `phone`; else the default seller."""
    if phone:
        view = records.seller_for_phone(session=session, phone=phone)
        if view is not None:
            return Seller(id=str(view.id), slug=str(view.slug), name=str(view.name))
    return resolve_seller(session=session, ref=None)


def employee_name(*, session: Session, ref: str) -> tuple[str | None, str]:
    """(employee id, name) for an employee reference; a free name when no employee matches."""
    try:
        view = records.resolve_employee(session=session, ref=ref)
    except InvalidInput:
        return None, ref
    return str(view.id), str(view.name)


def phone_of_call(*, session: Session, call_id: str) -> str | None:
    """The number a recorded call went to, if callkeep knows the call."""
    return records.phone_of_call(session=session, call_id=call_id)


def add_to_entity_list(
    *, session: Session, actor: str, seller: Seller, phone: str, source: str, reference: str
) -> EntityBlock:
    """Puts `phone` on the seller's entity-specific list now; returns the (possibly earlier) entry."""
    entry = lists_service.add_entity_entry(
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
    return records.revoke_consents(
        session=session,
        actor=actor,
        seller_id=seller.id,
        phone=phone,
        channel=channel,
        evidence=evidence,
        reference=reference,
    )


def seller_suppression(
    *, session: Session, folder: Path, seller: Seller, at: datetime, since: datetime | None
) -> Suppression:
    """Every number and area code on the seller's own list at `at` (added after `since`)."""
    return lists_suppression.seller_suppression(
        session=session, folder=folder, seller_slug=seller.slug, at=at, since=since
    )


def checkpoint_in_force(*, session: Session) -> CheckpointOut | None:
    """The ledger's newest signed checkpoint, which a consumer's receipt shows (None: none yet)."""
    return ledger_service.last_checkpoint(session=session)
