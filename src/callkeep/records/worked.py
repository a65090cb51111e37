"""Which contacts a person works: the contacts an agent or supervisor may see.

A contact is worked by someone when callkeep holds, for that contact,

- a record they made themselves: the contact itself, a call or an interaction whose
  `recorded_by` is one of their `actors` (their user, or their tokens); or
- a call or interaction of a seller or campaign assigned to them (`callkeep users assign`):
  a call linked to the contact, or a call to one of the contact's numbers.

Everything here is counted by the database over the few contacts a page or response holds.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from callkeep.records import models as m
from callkeep.records.parties import models as pm


def contacts_worked(
    *,
    session: Session,
    contact_ids: list[str],
    actors: frozenset[str],
    seller_ids: frozenset[str],
    campaign_ids: frozenset[str],
) -> set[str]:
    """Which of `contact_ids` are worked by the holder of `actors` and these assignments."""
    if not contact_ids:
        return set()
    ids = sorted(set(contact_ids))
    queries: list[Select[Any]] = []
    if actors:
        who = sorted(actors)
        queries += [
            select(pm.Contact.id).where(pm.Contact.id.in_(ids), pm.Contact.recorded_by.in_(who)),
            select(m.Call.contact_id).where(
                m.Call.contact_id.in_(ids), m.Call.recorded_by.in_(who)
            ),
            select(m.Interaction.contact_id).where(
                m.Interaction.contact_id.in_(ids), m.Interaction.recorded_by.in_(who)
            ),
            select(pm.ContactPhone.contact_id)
            .join(m.Call, m.Call.called_number == pm.ContactPhone.phone)
            .where(pm.ContactPhone.contact_id.in_(ids), m.Call.recorded_by.in_(who)),
        ]
    assigned = []
    if seller_ids:
        assigned.append(m.Call.seller_id.in_(sorted(seller_ids)))
    if campaign_ids:
        assigned.append(m.Call.campaign_id.in_(sorted(campaign_ids)))
    if assigned:
        queries += [
            select(m.Call.contact_id).where(m.Call.contact_id.in_(ids), or_(*assigned)),
            select(pm.ContactPhone.contact_id)
            .join(m.Call, m.Call.called_number == pm.ContactPhone.phone)
            .where(pm.ContactPhone.contact_id.in_(ids), or_(*assigned)),
        ]
    if seller_ids:
        queries.append(
            select(m.Interaction.contact_id).where(
                m.Interaction.contact_id.in_(ids),
                m.Interaction.seller_id.in_(sorted(seller_ids)),
            )
        )
    found: set[str] = set()
    for query in queries:
        found.update(i for i in session.scalars(query.distinct()) if i is not None)
    return found
