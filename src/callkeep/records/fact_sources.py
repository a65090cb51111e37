"""Which numbers have facts beyond their calls: what a re-decision of many calls asks first."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select, true, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import CompoundSelect

from callkeep.records import models as m
from callkeep.records.parties import models as pm

_CHUNK = 500


def phones_with_records(
    *, session: Session, seller_id: str, phones: Collection[str] | None = None
) -> set[str]:
    """The phones (among `phones`; None: all) that a contact holds or that a consent, purchase
    or inquiry of the seller names (as recorded): every phone whose facts come from more than
    its calls."""
    if phones is None:
        return _named(session, seller_id, None)
    wanted = sorted(set(phones))
    found: set[str] = set()
    for i in range(0, len(wanted), _CHUNK):
        found |= _named(session, seller_id, wanted[i : i + _CHUNK])
    return found


def _named(session: Session, seller_id: str, chunk: list[str] | None) -> set[str]:
    def among(column: Any) -> Any:
        return true() if chunk is None else column.in_(chunk)

    query: CompoundSelect[*tuple[Any, ...]] = union_all(
        select(pm.ContactPhone.phone).where(among(pm.ContactPhone.phone)),
        select(m.Consent.phone).where(m.Consent.seller_id == seller_id, among(m.Consent.phone)),
        select(m.Purchase.phone).where(m.Purchase.seller_id == seller_id, among(m.Purchase.phone)),
        select(m.Inquiry.phone).where(m.Inquiry.seller_id == seller_id, among(m.Inquiry.phone)),
    )
    return {row[0] for row in session.execute(query) if row[0]}
