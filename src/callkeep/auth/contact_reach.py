"""Agents see the contacts they work; supervisors the contacts of their sellers and campaigns.

What "work" means is `records/worked.py`: a record the agent made for the contact (the contact,
a call, an interaction), or a call of a seller or campaign assigned to them. Admins,
compliance officers and auditors see every contact. A refused look is written to the access
log (`refused_contact`) as the refused request's transaction ends, in a transaction of its own
(SQLite has one writer, and the request's own writes are rolled back), so compliance can see
who tried.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from callkeep.auth import access
from callkeep.auth.models import ApiToken, SupervisorScope, User
from callkeep.auth.roles import Role
from callkeep.auth.schemas import Principal
from callkeep.errors import PermissionDenied
from callkeep.kit.db import Database
from callkeep.records import service as records

LIMITED = frozenset({Role.AGENT, Role.SUPERVISOR})
REFUSED = "refused_contact"


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


def may_see(
    *, db: Database, session: Session, principal: Principal, contact_id: str, via: str
) -> bool:
    """Whether `principal` may see this contact; a refusal is written to the access log."""
    if contact_id in visible(session=session, principal=principal, contact_ids=[contact_id]):
        return True
    _once_ended(
        session,
        lambda: access.record_reads(
            db=db, actor=principal.actor, entity_type=REFUSED, entity_ids=[contact_id], via=via
        ),
    )
    return False


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
