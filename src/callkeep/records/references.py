"""What a seller, campaign, employee or call reference names, for the other domains.

The pre-call decision (`checks`), consumer requests (`requests`) and the dialer resolve the
references they are given here, as amended; a consumer's revocation reaches their consents here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from callkeep.errors import InvalidInput
from callkeep.records import amendments
from callkeep.records import models as m
from callkeep.records.parties import directory
from callkeep.records.parties import models as pm

# `consents` and `parties.people` (and through them the records' API schemas) load only in the
# functions below that need them: a decision resolves its seller and campaign here, nothing else.


@dataclass(frozen=True)
class SellerView:
    id: str
    slug: str
    name: str
    screen_litigators: bool


@dataclass(frozen=True)
class CampaignView:
    id: str
    slug: str
    seller_id: str
    subject: str
    dialing_mode: str  # "manual" | "predictive" | "prerecorded"


@dataclass(frozen=True)
class EmployeeView:
    id: str
    name: str


def resolve_seller(*, session: Session, ref: str | None) -> SellerView:
    """The seller by id or slug; None is the default seller. Unknown: InvalidInput("seller")."""
    view = directory.directory(session=session).seller(ref)
    return SellerView(
        id=view["id"],
        slug=view["slug"],
        name=view["name"],
        screen_litigators=bool(view["screen_litigators"]),
    )


def resolve_campaign(*, session: Session, ref: str, seller_id: str) -> CampaignView:
    """A campaign of that seller by id or slug; unknown: InvalidInput("campaign")."""
    view = directory.directory(session=session).campaign(ref, seller_id)
    return CampaignView(
        id=view["id"],
        slug=view["slug"],
        seller_id=view["seller_id"],
        subject=view["subject"],
        dialing_mode=view["dialing_mode"],
    )


def resolve_employee(*, session: Session, ref: str) -> EmployeeView:
    """An employee by id or fictitious name; unknown: InvalidInput("telemarketer")."""
    from callkeep.records.parties import people

    row = people.find_employee(session=session, ref=ref)
    if row is None:
        raise InvalidInput.for_field("telemarketer", f"no employee {ref!r}")
    view = amendments.current(session=session, record=row)
    return EmployeeView(id=view["id"], name=view["name"])


def contact_ids_for_phone(*, session: Session, phone: str) -> list[str]:
    """Every contact currently holding this E.164 number."""
    from callkeep.records.parties import people

    return people.contact_ids_for(session=session, phone=phone)


def seller_for_phone(*, session: Session, phone: str) -> SellerView | None:
    """The seller whose own number or campaign caller ID is `phone`, if any."""
    seller_id = session.scalar(select(pm.Seller.id).where(pm.Seller.phone == phone).limit(1))
    if seller_id is None:
        seller_id = session.scalar(
            select(pm.Campaign.seller_id).where(pm.Campaign.caller_id_number == phone).limit(1)
        )
    return resolve_seller(session=session, ref=seller_id) if seller_id else None


def phone_of_call(*, session: Session, call_id: str) -> str | None:
    """The number a recorded call went to (as amended)."""
    call = session.get(m.Call, call_id)
    if call is None:
        return None
    number = amendments.current(session=session, record=call)["called_number"]
    return str(number) if number else None


def revoke_consents(
    *,
    session: Session,
    actor: str,
    seller_id: str,
    phone: str,
    channel: str,
    evidence: str | None,
    reference: str | None,
) -> list[str]:
    """Revokes, from now on, every consent of this seller for this phone not yet revoked."""
    from callkeep.records import consents

    targets = list(
        session.scalars(
            select(m.Consent).where(m.Consent.seller_id == seller_id, m.Consent.phone == phone)
        )
    )
    made = consents.revoke(
        session=session,
        actor=actor,
        consents=targets,
        channel=channel,
        evidence=evidence,
        reference=reference,
    )
    return [r.id for r in made]


# --- the facts behind a pre-call decision -------------------------------------------------
