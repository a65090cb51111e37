"""What the dialer domain reads and writes of the records domain: sellers and campaigns, the
call checks, and the bulk path that stores calls with their ledger entries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ARRAY, String, any_, bindparam, select
from sqlalchemy.orm import Session

from callkeep.ledger import service as ledger
from callkeep.records import service as records

__all__ = [
    "checked_row",
    "employee_id_for",
    "parties",
    "recorded_external_ids",
    "store_calls",
]

_IN_CHUNK = 500


def parties(*, session: Session) -> records.Directory:
    """The sellers and campaigns as this session sees them."""
    return records.directory(session=session)


def employee_id_for(*, session: Session, ref: str) -> str | None:
    """The employee with this id or fictitious name, if there is one."""
    return records.employee_id_for(session=session, ref=ref)


def checked_row(
    fields: dict[str, Any], resolved: tuple[str, str | None], numbers: dict[str, str | None]
) -> dict[str, Any]:
    """The column values of the call whose valid `CallIn` holds `fields`, checked as every
    call record is (310.5(a)(2) complete, E.164, UTC); raises InvalidInput naming each problem.
    Seller and campaign are resolved."""
    row = records.checked_fields_row(fields, resolved, numbers)
    row["idempotency_key"] = None
    return row


def recorded_external_ids(*, session: Session, seller_id: str, ids: Sequence[str]) -> set[str]:
    """Which of `ids` the seller's calls already hold as their external call id.

    Takes the ledger's append lock first, so that two imports of one file queue and the second
    finds what the first stored."""
    ledger.lock(session=session)
    found: set[str] = set()
    unique = sorted(set(ids))
    if session.get_bind().dialect.name == "postgresql":  # one array, not thousands of binds
        ids_param = bindparam("ids", unique, type_=ARRAY(String))
        query = select(records.Call.external_call_id).where(
            records.Call.seller_id == seller_id, records.Call.external_call_id == any_(ids_param)
        )
        return set(session.scalars(query))
    for start in range(0, len(unique), _IN_CHUNK):
        part = unique[start : start + _IN_CHUNK]
        found.update(
            session.scalars(
                select(records.Call.external_call_id).where(
                    records.Call.seller_id == seller_id, records.Call.external_call_id.in_(part)
                )
            )
        )
    return found


def store_calls(*, session: Session, actor: str, rows: list[dict[str, Any]]) -> list[str]:
    """Stores checked call rows through the ledger's bulk path; returns their ids."""
    return ledger.record_many(session=session, actor=actor, model=records.Call, rows=rows)
