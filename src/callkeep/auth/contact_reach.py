"""Agents see the contacts they work; supervisors the contacts of their sellers and campaigns.

What "work" means is `records/worked.py`: a record the agent made for the contact (the contact,
a call, an interaction), or a call of a seller or campaign assigned to them. Admins,
compliance officers and auditors see every contact. A refused look is written to the access
log (`refused_contact`) as the refused request's transaction ends, in a transaction of its own
(SQLite has one writer, and the request's own writes are rolled back), so compliance can see
who tried.

Calls follow the contacts for agents: an agent reads the calls to a number of a contact they
work (`call_numbers`, `may_see_call`), and may attach personal data to a number (name a
contact, amend its names or numbers, record a consent naming the person) only when no contact
they do not work holds it (`hold_to_numbers`, `hold_write`). A refused call is logged as
`refused_call`. Supervisors keep their sellers' and campaigns' calls (`web/scope.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.sql import Select

from callkeep.auth import access
from callkeep.auth.models import ApiToken, SupervisorScope, User
from callkeep.auth.roles import Role
from callkeep.auth.schemas import Principal
from callkeep.errors import NotFound, PermissionDenied
from callkeep.kit.db import Database
from callkeep.phone.parse import try_normalize
from callkeep.records import service as records

LIMITED = frozenset({Role.AGENT, Role.SUPERVISOR})
REFUSED = "refused_contact"
REFUSED_CALL = "refused_call"


@dataclass(frozen=True)
class ContactReach:
    """Whose contacts someone may see: records made by `actors`, calls of these assignments."""

    actors: frozenset[str]
    seller_ids: frozenset[str]
    campaign_ids: frozenset[str]


def reach_of(*, session: Session, principal: Principal) -> ContactReach | None:
    """The contacts `principal` may see, or None for every contact."""
    if principal.role not in LIMITED:
        return None
    actors = {principal.actor} if principal.role is Role.AGENT else set()
    sellers: set[str] = set()
    campaigns: set[str] = set()
    if principal.user_id is not None:
        user = session.get(User, principal.user_id)
        if user is not None and principal.role is Role.AGENT:
            actors.add(f"user:{user.username}")
            names = session.scalars(select(ApiToken.name).where(ApiToken.user_id == user.id))
            actors.update(f"token:{name}" for name in names)
        for held in session.scalars(
            select(SupervisorScope).where(SupervisorScope.user_id == principal.user_id)
        ):
            if held.campaign_id is None:
                sellers.add(held.seller_id)
            else:
                campaigns.add(held.campaign_id)
    return ContactReach(frozenset(actors), frozenset(sellers), frozenset(campaigns))


def visible(*, session: Session, principal: Principal, contact_ids: list[str]) -> set[str]:
    """Which of `contact_ids` `principal` may see."""
    reach = reach_of(session=session, principal=principal)
    if reach is None:
        return set(contact_ids)
    return records.contacts_worked(
        session=session,
        contact_ids=contact_ids,
        actors=reach.actors,
        seller_ids=reach.seller_ids,
        campaign_ids=reach.campaign_ids,
    )


def _log_refusal(
    db: Database, session: Session, principal: Principal, kind: str, ids: list[str], via: str
) -> None:
    _once_ended(
        session,
        lambda: access.record_reads(
            db=db, actor=principal.actor, entity_type=kind, entity_ids=ids, via=via
        ),
    )


def may_see(
    *, db: Database, session: Session, principal: Principal, contact_id: str, via: str
) -> bool:
    """Whether `principal` may see this contact; a refusal is written to the access log."""
    if contact_id in visible(session=session, principal=principal, contact_ids=[contact_id]):
        return True
    _log_refusal(db, session, principal, REFUSED, [contact_id], via)
    return False


def call_numbers(*, session: Session, principal: Principal) -> Select[Any] | None:
    """The called numbers whose calls `principal` may read (a subquery), or None for every
    call: an agent reads the calls to the numbers of the contacts they work."""
    if principal.role is not Role.AGENT:
        return None
    reach = reach_of(session=session, principal=principal)
    assert reach is not None
    return records.worked_numbers(
        actors=reach.actors, seller_ids=reach.seller_ids, campaign_ids=reach.campaign_ids
    )


def _foreign_holders(session: Session, principal: Principal, phone: str) -> list[str]:
    """The contacts holding `phone` that `principal` does not work."""
    holders = records.contact_ids_for_phone(session=session, phone=phone)
    mine = visible(session=session, principal=principal, contact_ids=holders)
    return sorted(set(holders) - mine)


def may_see_call(
    *,
    db: Database,
    session: Session,
    principal: Principal,
    call_id: str,
    called_number: str | None,
    via: str,
) -> bool:
    """Whether `principal` may read this call (an agent: its called number is a number of a
    contact they work); a refusal is written to the access log."""
    if principal.role is not Role.AGENT:
        return True
    if called_number is not None:
        holders = records.contact_ids_for_phone(session=session, phone=called_number)
        if visible(session=session, principal=principal, contact_ids=holders):
            return True
    _log_refusal(db, session, principal, REFUSED_CALL, [call_id], via)
    return False


def hold_to_numbers(
    *,
    db: Database,
    session: Session,
    principal: Principal,
    phones: Iterable[str | None],
    via: str,
) -> None:
    """Refuses (403, logged) an agent's write attaching personal data to a number (any
    spelling) that a contact they do not work holds."""
    if principal.role is not Role.AGENT:
        return
    numbers = {e164 for p in phones if p and (e164 := try_normalize(p))}
    foreign = sorted({c for p in numbers for c in _foreign_holders(session, principal, p)})
    if foreign:
        _log_refusal(db, session, principal, REFUSED, foreign, via)
        raise PermissionDenied(
            "a number given belongs to a contact you do not work; you may name or write to the "
            "numbers of the contacts you work, and numbers no contact holds yet"
        )


def _once_ended(session: Session, then: Callable[[], None]) -> None:
    """Runs `then` once, when `session`'s outermost transaction has ended (committed, rolled
    back or closed): a write transaction still holding SQLite's one write lock would make
    `then`'s own transaction wait for it."""
    ran = False

    def ended(_session: Session, transaction: SessionTransaction) -> None:
        nonlocal ran
        if ran or transaction.parent is not None:
            return
        ran = True
        then()

    event.listen(session, "after_transaction_end", ended)


def hold_to_contact(
    *, db: Database, session: Session, principal: Principal, contact_id: str, via: str
) -> None:
    """Refuses (403, logged) a contact `principal` does not work."""
    if not may_see(db=db, session=session, principal=principal, contact_id=contact_id, via=via):
        raise PermissionDenied(
            f"contact {contact_id} is not one you work ({principal.role.value}s see the "
            "contacts they have called, written to or recorded, and those of their assignments)"
        )


def hold_to_call(
    *, db: Database, session: Session, principal: Principal, call: records.Call, via: str
) -> None:
    """404 (logged) for a call an agent may not read: the answer does not say it exists."""
    if not may_see_call(
        db=db,
        session=session,
        principal=principal,
        call_id=call.id,
        called_number=call.called_number,
        via=via,
    ):
        raise NotFound(f"no call {call.id}")


def hold_write(
    *,
    db: Database,
    session: Session,
    principal: Principal,
    contact_id: str | None,
    phones: Iterable[str | None],
    via: str,
) -> None:
    """An agent attaches personal data only to a contact they work, and to numbers no contact
    they do not work holds (403, logged)."""
    if principal.role is not Role.AGENT:
        return
    if contact_id:
        records.get_contact(session=session, contact_id=contact_id)
        hold_to_contact(db=db, session=session, principal=principal, contact_id=contact_id, via=via)
    hold_to_numbers(db=db, session=session, principal=principal, phones=phones, via=via)
