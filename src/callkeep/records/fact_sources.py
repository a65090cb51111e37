"""Which numbers have facts beyond their calls: what a re-decision of many calls asks first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import CompoundSelect

from callkeep.records import models as m
from callkeep.records.parties import models as pm


def phones_with_records(*, session: Session, seller_id: str) -> set[str]:
    """The phones that a contact holds or that a consent, purchase or inquiry of the seller names
    (as recorded): every phone whose facts come from more than its calls."""
    query: CompoundSelect[*tuple[Any, ...]] = union_all(
        select(pm.ContactPhone.phone),
        select(m.Consent.phone).where(m.Consent.seller_id == seller_id),
        select(m.Purchase.phone).where(m.Purchase.seller_id == seller_id),
        select(m.Inquiry.phone).where(m.Inquiry.seller_id == seller_id),
    )
    return {row[0] for row in session.execute(query) if row[0]}
