"""Emails, texts, letters and in-person meetings with a contact."""

from __future__ import annotations

from sqlalchemy.orm import Session

from callkeep.errors import InvalidInput
from callkeep.kit.clock import to_utc_second
from callkeep.ledger import service as ledger
from callkeep.records import amendments
from callkeep.records import models as m
from callkeep.records.parties import models as pm
from callkeep.records.parties import people, sellers
from callkeep.records.schemas import InteractionIn, InteractionOut


def record_interaction(
    *, session: Session, actor: str, interaction_in: InteractionIn
) -> m.Interaction:
    """Records an email, text, letter or in-person meeting."""
    seller_id = (
        sellers.seller_view(session=session, ref=interaction_in.seller)["id"]
        if interaction_in.seller
        else None
    )
    employee_id = None
    if interaction_in.employee:
        found = people.find_employee(session=session, ref=interaction_in.employee)
        if found is None:
            raise InvalidInput.for_field("employee", f"no employee {interaction_in.employee!r}")
        employee_id = found.id
    if interaction_in.contact_id and session.get(pm.Contact, interaction_in.contact_id) is None:
        raise InvalidInput.for_field("contact_id", f"no contact {interaction_in.contact_id}")
    row = m.Interaction(
        kind=interaction_in.kind,
        contact_id=interaction_in.contact_id,
        seller_id=seller_id,
        employee_id=employee_id,
        outbound=interaction_in.outbound,
        occurred_at=to_utc_second(interaction_in.occurred_at, field="occurred_at"),
        address=interaction_in.address,
        subject=interaction_in.subject,
        notes=interaction_in.notes,
        recorded_by=actor,
    )
    return ledger.record(session=session, actor=actor, entity=row)


def interaction_out(*, session: Session, interaction: m.Interaction) -> InteractionOut:
    """The current view of an interaction."""
    return InteractionOut.model_validate(amendments.current(session=session, record=interaction))
