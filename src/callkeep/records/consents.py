"""Consents (310.5(a)(8)) and their revocations; purchases and inquiries (310.5(a)(4), (a)(5))."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from callkeep.errors import InvalidInput, NotFound
from callkeep.kit.clock import to_utc_second, utcnow
from callkeep.ledger import service as ledger
from callkeep.phone.parse import normalize
from callkeep.records import amendments
from callkeep.records import models as m
from callkeep.records.parties import models as pm
from callkeep.records.parties import sellers
from callkeep.records.schemas import (
    ConsentIn,
    ConsentOut,
    InquiryIn,
    PurchaseIn,
    RevocationIn,
    RevocationOut,
)


def _contact_or_none(session: Session, contact_id: str | None, field: str = "contact_id") -> None:
    if contact_id and session.get(pm.Contact, contact_id) is None:
        raise InvalidInput.for_field(field, f"no contact {contact_id}")


def record_consent(*, session: Session, actor: str, consent_in: ConsentIn) -> m.Consent:
    """Records a complete consent: who, which number, the request as shown, the consent itself."""
    phone = normalize(consent_in.phone, field="phone")
    seller = sellers.seller_view(session=session, ref=consent_in.seller)
    given_at = to_utc_second(consent_in.given_at, field="given_at")
    expires_at = (
        to_utc_second(consent_in.expires_at, field="expires_at") if consent_in.expires_at else None
    )
    if consent_in.kind == "written" and not (consent_in.signature or "").strip():
        raise InvalidInput.for_field("signature", "written consent is kept with its signature")
    _contact_or_none(session, consent_in.contact_id)
    consent = m.Consent(
        seller_id=seller["id"],
        phone=phone,
        contact_id=consent_in.contact_id,
        name=consent_in.name,
        request_text=consent_in.request_text,
        request_format=consent_in.request_format,
        purpose=consent_in.purpose,
        consent_text=consent_in.consent_text,
        kind=consent_in.kind,
        given_at=given_at,
        signature=consent_in.signature,
        expires_at=expires_at,
        recorded_by=actor,
    )
    return ledger.record(session=session, actor=actor, entity=consent)


def _revocation_out(row: m.ConsentRevocation) -> RevocationOut:
    return RevocationOut.model_validate(row, from_attributes=True)


def consents_out(*, session: Session, rows: list[m.Consent]) -> list[ConsentOut]:
    """Current views of consents, each with its revocations and when it stopped counting."""
    views = {r.id: amendments.view_of(r) for r in rows}
    amendments.current_views(session=session, target_type="consents", views=views)
    revocations: dict[str, list[m.ConsentRevocation]] = {}
    if rows:
        for rev in session.scalars(
            select(m.ConsentRevocation)
            .where(m.ConsentRevocation.consent_id.in_([r.id for r in rows]))
            .order_by(m.ConsentRevocation.revoked_at)
        ):
            revocations.setdefault(rev.consent_id, []).append(rev)
    out = []
    for row in rows:
        revs = revocations.get(row.id, [])
        out.append(
            ConsentOut.model_validate(
                {
                    **views[row.id],
                    "revocations": [_revocation_out(r) for r in revs],
                    "revoked_at": min((r.revoked_at for r in revs), default=None),
                }
            )
        )
    return out


def list_consents(
    *, session: Session, phone: str | None, seller_id: str | None = None
) -> list[ConsentOut]:
    """Consents for a number (any spelling) and/or a seller, oldest first."""
    query = select(m.Consent).order_by(m.Consent.given_at, m.Consent.id)
    if phone:
        query = query.where(m.Consent.phone == normalize(phone, field="phone"))
    if seller_id:
        query = query.where(m.Consent.seller_id == seller_id)
    return consents_out(session=session, rows=list(session.scalars(query.limit(1000))))


def get_consent(*, session: Session, consent_id: str) -> ConsentOut:
    """One consent's current view, or NotFound."""
    row = session.get(m.Consent, consent_id)
    if row is None:
        raise NotFound(f"no consent {consent_id}")
    return consents_out(session=session, rows=[row])[0]


def revoke(
    *,
    session: Session,
    actor: str,
    consents: list[m.Consent],
    channel: str,
    evidence: str | None,
    reference: str | None,
    revoked_at: datetime | None = None,
) -> list[m.ConsentRevocation]:
    """Records a revocation of each consent not yet revoked; revoked ones are left alone."""
    if not consents:
        return []
    already = set(
        session.scalars(
            select(m.ConsentRevocation.consent_id).where(
                m.ConsentRevocation.consent_id.in_([c.id for c in consents])
            )
        )
    )
    when = revoked_at or utcnow()
    made = []
    for consent in consents:
        if consent.id in already:
            continue
        row = m.ConsentRevocation(
            consent_id=consent.id,
            seller_id=consent.seller_id,
            phone=consent.phone,
            channel=channel,
            evidence=evidence,
            reference=reference,
            revoked_at=when,
            recorded_by=actor,
        )
        made.append(ledger.record(session=session, actor=actor, entity=row))
    return made


def revoke_for(
    *, session: Session, actor: str, revocation_in: RevocationIn
) -> list[m.ConsentRevocation]:
    """Revokes one consent by id, or every consent of a number for a seller."""
    when = (
        to_utc_second(revocation_in.revoked_at, field="revoked_at")
        if revocation_in.revoked_at
        else None
    )
    if revocation_in.consent_id:
        consent = session.get(m.Consent, revocation_in.consent_id)
        if consent is None:
            raise InvalidInput.for_field("consent_id", f"no consent {revocation_in.consent_id}")
        targets = [consent]
    else:
        if not revocation_in.phone:
            raise InvalidInput.for_field("phone", "give consent_id, or phone (and seller)")
        phone = normalize(revocation_in.phone, field="phone")
        seller = sellers.seller_view(session=session, ref=revocation_in.seller)
        targets = list(
            session.scalars(
                select(m.Consent).where(
                    m.Consent.phone == phone, m.Consent.seller_id == seller["id"]
                )
            )
        )
    return revoke(
        session=session,
        actor=actor,
        consents=targets,
        channel=revocation_in.channel,
        evidence=revocation_in.evidence,
        reference=revocation_in.reference,
        revoked_at=when,
    )


def record_purchase(*, session: Session, actor: str, purchase_in: PurchaseIn) -> m.Purchase:
    """Records what a customer bought, when, when shipped, and what they paid (in cents)."""
    _contact_or_none(session, purchase_in.contact_id)
    seller = sellers.seller_view(session=session, ref=purchase_in.seller)
    shipped = purchase_in.shipped_at
    row = m.Purchase(
        contact_id=purchase_in.contact_id,
        seller_id=seller["id"],
        phone=normalize(purchase_in.phone, field="phone") if purchase_in.phone else None,
        goods=purchase_in.goods,
        purchased_at=to_utc_second(purchase_in.purchased_at, field="purchased_at"),
        shipped_at=to_utc_second(shipped, field="shipped_at") if shipped else None,
        amount_cents=purchase_in.amount_cents,
        recorded_by=actor,
    )
    return ledger.record(session=session, actor=actor, entity=row)


def record_inquiry(*, session: Session, actor: str, inquiry_in: InquiryIn) -> m.Inquiry:
    """Records a person's inquiry or application about goods or services."""
    _contact_or_none(session, inquiry_in.contact_id)
    seller = sellers.seller_view(session=session, ref=inquiry_in.seller)
    row = m.Inquiry(
        contact_id=inquiry_in.contact_id,
        seller_id=seller["id"],
        phone=normalize(inquiry_in.phone, field="phone") if inquiry_in.phone else None,
        goods=inquiry_in.goods,
        inquired_at=to_utc_second(inquiry_in.inquired_at, field="inquired_at"),
        recorded_by=actor,
    )
    return ledger.record(session=session, actor=actor, entity=row)
