"""Which contacts a person works: the contacts an agent or supervisor may see.

A contact is worked by someone when callkeep holds, for that contact,

- a record they made themselves: the contact itself, a call or an interaction whose
  `recorded_by` is one of their `actors` (their user, or their tokens); or
- a call or interaction of a seller or campaign assigned to them (`callkeep users assign`):
  a call linked to the contact, or a call to one of the contact's numbers.

The calls an agent sees are the calls to a number of a contact they work (`worked_numbers`).
`contacts_worked` counts over the few contacts a page or response holds; `worked_numbers` is
the same rule as one subquery for the database to run inside the calls list's own query.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select, true, union
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from callkeep.records import models as m
from callkeep.records.parties import models as pm


def _sources(
    among: list[str] | None,
    actors: frozenset[str],
    seller_ids: frozenset[str],
    campaign_ids: frozenset[str],
) -> list[Select[Any]]:
    """One query per way of working a contact, each selecting contact ids (of `among`, or of
    every contact when None)."""

    def of(column: Any) -> ColumnElement[bool]:
        return column.in_(among) if among is not None else true()

    queries: list[Select[Any]] = []
    if actors:
        who = sorted(actors)
        queries += [
            select(pm.Contact.id).where(of(pm.Contact.id), pm.Contact.recorded_by.in_(who)),
            select(m.Call.contact_id).where(of(m.Call.contact_id), m.Call.recorded_by.in_(who)),
            select(m.Interaction.contact_id).where(
                of(m.Interaction.contact_id), m.Interaction.recorded_by.in_(who)
            ),
            select(pm.ContactPhone.contact_id)
            .join(m.Call, m.Call.called_number == pm.ContactPhone.phone)
            .where(of(pm.ContactPhone.contact_id), m.Call.recorded_by.in_(who)),
        ]
    assigned = []
    if seller_ids:
        assigned.append(m.Call.seller_id.in_(sorted(seller_ids)))
    if campaign_ids:
        assigned.append(m.Call.campaign_id.in_(sorted(campaign_ids)))
    if assigned:
        queries += [
            select(m.Call.contact_id).where(of(m.Call.contact_id), or_(*assigned)),
            select(pm.ContactPhone.contact_id)
            .join(m.Call, m.Call.called_number == pm.ContactPhone.phone)
            .where(of(pm.ContactPhone.contact_id), or_(*assigned)),
        ]
    if seller_ids:
        queries.append(
            select(m.Interaction.contact_id).where(
                of(m.Interaction.contact_id),
                m.Interaction.seller_id.in_(sorted(seller_ids)),
            )
        )
    return queries


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
    found: set[str] = set()
    for query in _sources(ids, actors, seller_ids, campaign_ids):
        found.update(i for i in session.scalars(query.distinct()) if i is not None)
    return found


def worked_numbers(
    *, actors: frozenset[str], seller_ids: frozenset[str], campaign_ids: frozenset[str]
) -> Select[Any]:
    """The numbers of every contact worked by the holder of `actors` and these assignments,
    as a subquery (`Call.called_number.in_(worked_numbers(...))`); no number when none."""
    queries = _sources(None, actors, seller_ids, campaign_ids)
    if not queries:
        return select(pm.ContactPhone.phone).where(pm.ContactPhone.phone.is_(None))
    worked = union(*queries).subquery()
    return select(pm.ContactPhone.phone).where(pm.ContactPhone.contact_id.in_(select(worked.c[0])))
