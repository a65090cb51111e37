"""Which numbers have facts beyond their calls: what a re-decision of many calls asks first."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import CompoundSelect

from callkeep.records import models as m
from callkeep.records.parties import models as pm

_CHUNK = 500


def phones_with_records(*, session: Session, seller_id: str, phones: Collection[str]) -> set[str]:
    """The phones among `phones` that a contact holds or that a consent, purchase or inquiry of
    the seller names (as recorded): every phone whose facts come from more than its calls."""
    wanted = sorted(set(phones))
    found: set[str] = set()
    for i in range(0, len(wanted), _CHUNK):
        chunk = wanted[i : i + _CHUNK]
        query: CompoundSelect[*tuple[Any, ...]] = union_all(
            select(pm.ContactPhone.phone).where(pm.ContactPhone.phone.in_(chunk)),
            select(m.Consent.phone).where(
                m.Consent.seller_id == seller_id, m.Consent.phone.in_(chunk)
            ),
            select(m.Purchase.phone).where(
                m.Purchase.seller_id == seller_id, m.Purchase.phone.in_(chunk)
            ),
            select(m.Inquiry.phone).where(
                m.Inquiry.seller_id == seller_id, m.Inquiry.phone.in_(chunk)
            ),
        )
        found.update(row[0] for row in session.execute(query) if row[0])
    return found
