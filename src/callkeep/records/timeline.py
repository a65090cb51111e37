"""A person's history in time order: calls, other interactions, consents, revocations,
purchases, inquiries and Do-Not-Call requests. Also who read personal data, and when.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from callkeep.phone.parse import normalize
from callkeep.records import amendments
from callkeep.records import models as m
from callkeep.records.parties import people
from callkeep.records.schemas import TimelineItem

_PRIVATE = {"idempotency_key"}


def _item(at: datetime | None, kind: str, view: dict[str, Any], summary: str) -> TimelineItem:
    record = {k: v for k, v in view.items() if k not in _PRIVATE}
    return TimelineItem(
        at=at or view["recorded_at"], kind=kind, id=view["id"], summary=summary, record=record
    )


def _views(session: Session, rows: Iterable[Any]) -> list[dict[str, Any]]:
    by_type: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        by_type.setdefault(row.__tablename__, {})[row.id] = amendments.view_of(row)
    out: list[dict[str, Any]] = []
    for target_type, views in by_type.items():
        amendments.current_views(session=session, target_type=target_type, views=views)
        out.extend(views.values())
    return out


def timeline(*, session: Session, contact_ids: list[str], phones: list[str]) -> list[TimelineItem]:
    """Everything on record about these contacts and numbers, oldest first."""
    items: list[TimelineItem] = []
    calls = session.scalars(
        select(m.Call).where(
            or_(
                m.Call.contact_id.in_(contact_ids),
                m.Call.called_number.in_(phones),
                m.Call.calling_number.in_(phones),
            )
        )
    )
    for v in _views(session, calls):
        direction = "outbound" if v["outbound"] else "inbound"
        summary = f"{direction} call {v['called_number'] or ''} {v['disposition'] or ''}".strip()
        items.append(_item(v["started_at"], "call", v, summary))
    others = session.scalars(select(m.Interaction).where(m.Interaction.contact_id.in_(contact_ids)))
    for v in _views(session, others):
        items.append(_item(v["occurred_at"], v["kind"], v, f"{v['kind']}: {v['subject'] or ''}"))
    consent_rows = list(
        session.scalars(
            select(m.Consent).where(
                or_(m.Consent.contact_id.in_(contact_ids), m.Consent.phone.in_(phones))
            )
        )
    )
    for v in _views(session, consent_rows):
        items.append(_item(v["given_at"], "consent", v, f"{v['kind']} consent: {v['purpose']}"))
    revocations = session.scalars(
        select(m.ConsentRevocation).where(
            or_(
                m.ConsentRevocation.consent_id.in_([c.id for c in consent_rows]),
                m.ConsentRevocation.phone.in_(phones),
            )
        )
    )
    for r in revocations:
        v = amendments.view_of(r)
        items.append(_item(r.revoked_at, "consent_revocation", v, f"consent revoked ({r.channel})"))
    for v in _views(
        session, session.scalars(select(m.Purchase).where(m.Purchase.contact_id.in_(contact_ids)))
    ):
        items.append(_item(v["purchased_at"], "purchase", v, f"bought {v['goods']}"))
    for v in _views(
        session, session.scalars(select(m.Inquiry).where(m.Inquiry.contact_id.in_(contact_ids)))
    ):
        items.append(_item(v["inquired_at"], "inquiry", v, f"asked about {v['goods']}"))
    items.extend(_dnc_requests(session, phones))
    items.sort(key=lambda item: (item.at, item.kind, item.id))
    return items


def _dnc_requests(session: Session, phones: list[str]) -> list[TimelineItem]:
    """Do-Not-Call requests for these numbers."""
    from callkeep.requests.models import DncRequest as request  # requests reads records: on use

    out = []
    for row in session.scalars(select(request).where(request.phone.in_(phones))):
        view = {
            "id": row.id,
            "seller_slug": row.seller_slug,
            "phone": row.phone,
            "channel": row.channel,
            "received_at": row.received_at,
            "recorded_at": row.recorded_at,
        }
        out.append(
            _item(row.received_at, "dnc_request", view, f"do-not-call request ({row.channel})")
        )
    return out


def contact_timeline(*, session: Session, contact_id: str) -> list[TimelineItem]:
    """A contact's timeline (its current phones included); NotFound for an unknown contact."""
    contact = people.get_contact(session=session, contact_id=contact_id)
    return timeline(session=session, contact_ids=[contact.id], phones=contact.phones)


def phone_timeline(*, session: Session, phone: str) -> list[TimelineItem]:
    """The timeline of a number and of every contact holding it."""
    e164 = normalize(phone, field="phone")
    contact_ids = people.contact_ids_for(session=session, phone=e164)
    phones = {e164}
    for contact_id in contact_ids:
        phones.update(people.phones_of_contact(session=session, contact_id=contact_id))
    return timeline(session=session, contact_ids=contact_ids, phones=sorted(phones))
