"""The look-ups a call record needs, as prepared statements: who placed it, whether the records
it names exist, and whether it was recorded already.

A dialer posts every call it makes, so these run once per call. Through the ORM each costs a few
hundred microseconds of Python; prepared (compiled once per dialect, run on the session's own
connection) they cost a few tens. Sellers and campaigns come from `records.directory`, which
keeps them per process and re-reads them when another process adds or amends one.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from callkeep.kit.sql import Prepared
from callkeep.records import models as m
from callkeep.records.parties import models as pm

_EMPLOYEE = Prepared(select(pm.Employee.id).where(pm.Employee.id == bindparam("ref")))
_BY_FICTITIOUS_NAME = Prepared(
    select(pm.FictitiousName.employee_id).where(pm.FictitiousName.name_key == bindparam("key"))
)
_EXISTS = {
    "employee_id": _EMPLOYEE,
    "contact_id": Prepared(select(pm.Contact.id).where(pm.Contact.id == bindparam("ref"))),
    "script_version_id": Prepared(
        select(pm.CampaignDocument.id).where(pm.CampaignDocument.id == bindparam("ref"))
    ),
}
_EXISTS["message_version_id"] = _EXISTS["script_version_id"]
_CALL_BY_KEY = Prepared(
    select(m.Call.id).where(m.Call.idempotency_key == bindparam("key")).limit(1)
)
_CALL_BY_LEGACY_KEY = Prepared(
    select(m.Call.id)
    .where(m.Call.idempotency_key == bindparam("key"))
    .where(m.Call.seller_id == bindparam("seller_id"))
    .where(m.Call.recorded_by == bindparam("recorded_by"))
    .limit(1)
)
_CALL_BY_EXTERNAL_ID = Prepared(
    select(m.Call.id)
    .where(m.Call.seller_id == bindparam("seller_id"))
    .where(m.Call.external_call_id == bindparam("external_id"))
    .limit(1)
)


def _name_key(name: str) -> str:
    # as records.people keys fictitious names: case-folded, spaces collapsed
    return " ".join(name.casefold().split())


def employee_id_for(*, session: Session, ref: str) -> str | None:
    """The id of the employee with this id or this fictitious name; None if there is none."""
    if _EMPLOYEE.first(session, {"ref": ref}) is not None:
        return ref
    found = _BY_FICTITIOUS_NAME.first(session, {"key": _name_key(ref)})
    if found is None:
        return None
    employee_id: str = found[0]
    return employee_id if exists(session=session, field="employee_id", ref=employee_id) else None


def exists(*, session: Session, field: str, ref: str) -> bool:
    """Whether the record a call's `field` (employee_id, contact_id, script_version_id or
    message_version_id) names exists."""
    return _EXISTS[field].first(session, {"ref": ref}) is not None


def call_by_key(
    *, session: Session, key: str, seller_id: str | None = None, recorded_by: str | None = None
) -> str | None:
    """The id of the call stored with this idempotency key (`kit.idempotency.scoped_key`), if
    any; with `recorded_by`, only a call of that actor and `seller_id` (a key stored as sent,
    before keys were scoped)."""
    if recorded_by is None:
        found = _CALL_BY_KEY.first(session, {"key": key})
    else:
        found = _CALL_BY_LEGACY_KEY.first(
            session, {"key": key, "seller_id": seller_id, "recorded_by": recorded_by}
        )
    return None if found is None else str(found[0])


def call_by_external_id(*, session: Session, seller_id: str, external_id: str) -> str | None:
    """The id of the seller's call with this external call id, if any."""
    found = _CALL_BY_EXTERNAL_ID.first(
        session, {"seller_id": seller_id, "external_id": external_id}
    )
    return None if found is None else str(found[0])
