"""Corrections: an amendment names the original record, the changes, the reason and who.

The original is never touched. The current view of a record is its stored content with every
amendment applied in the order they were recorded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callkeep.errors import FieldProblem, InvalidInput, NotFound
from callkeep.kit.clock import iso, parse_instant, to_utc_second
from callkeep.ledger import service as ledger
from callkeep.ledger.models import Recorded
from callkeep.phone.parse import normalize
from callkeep.records import models as m
from callkeep.records.parties import models as pm

if TYPE_CHECKING:
    from callkeep.records.schemas import AmendmentOut

# kind of each amendable field: text, phone, instant, count, bool, json, strlist, or "enum:a|b|c";
# a trailing "?" allows null.
AMENDABLE: dict[str, dict[str, str]] = {
    "sellers": {
        "name": "text",
        "address": "text?",
        "phone": "phone?",
        "screen_litigators": "bool",
        "is_default": "bool",
    },
    "campaigns": {
        "subject": "text",
        "dialing_mode": "enum:manual|predictive|prerecorded",
        "caller_id_number": "phone?",
        "caller_id_name": "text?",
        "caller_id_authorization": "text?",
        "caller_id_authorized_from": "instant?",
        "caller_id_authorized_to": "instant?",
    },
    "employees": {
        "name": "text",
        "home_address": "text?",
        "phone": "phone?",
        "job_titles": "strlist",
    },
    "contacts": {
        "names": "strlist",
        "phones": "strlist",
        "emails": "strlist",
        "street": "text?",
        "city": "text?",
        "state": "text?",
        "zip": "text?",
        "preferences": "json",
        "tags": "strlist",
    },
    "calls": {
        "employee_id": "text?",
        "telemarketer_name": "text?",
        "campaign_id": "text?",
        "contact_id": "text?",
        "subject": "text",
        "consumer_or_business": "enum:consumer|business",
        "outbound": "bool",
        "prerecorded": "bool",
        "manual_dial": "bool",
        "calling_number": "phone?",
        "called_number": "phone?",
        "started_at": "instant?",
        "duration_seconds": "count?",
        "script_version_id": "text?",
        "message_version_id": "text?",
        "caller_id_number": "phone",
        "caller_id_name": "text?",
        "disposition": "enum:answered_person|answering_machine|no_answer|busy|dropped|transferred?",
        "transfer_to": "text?",
        "transfer_company": "text?",
        "outcome": "text?",
        "notes": "text?",
        "recording_ref": "text?",
        "decision_id": "text?",
    },
    "interactions": {
        "subject": "text?",
        "notes": "text?",
        "address": "text?",
        "occurred_at": "instant",
    },
    "consents": {
        "name": "text",
        "purpose": "text",
        "kind": "enum:written|express",
        "given_at": "instant",
        "signature": "text?",
        "expires_at": "instant?",
        "contact_id": "text?",
    },
    "purchases": {
        "goods": "text",
        "purchased_at": "instant",
        "shipped_at": "instant?",
        "amount_cents": "count",
    },
    "inquiries": {"goods": "text", "inquired_at": "instant"},
}

MODELS: dict[str, type[Recorded]] = {
    model.__tablename__: model
    for model in (
        pm.Seller,
        pm.Campaign,
        pm.Employee,
        pm.Contact,
        m.Call,
        m.Interaction,
        m.Consent,
        m.Purchase,
        m.Inquiry,
    )
}


def _clean(kind: str, value: Any, field: str) -> Any:
    """`value` checked against `kind`, in its canonical (JSON) form."""
    optional = kind.endswith("?")
    base = kind.rstrip("?")
    if value is None:
        if optional:
            return None
        raise InvalidInput.for_field(field, "may not be empty")
    if base == "text":
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput.for_field(field, "must be non-empty text")
        return value
    if base == "phone":
        if not isinstance(value, str):
            raise InvalidInput.for_field(field, "must be a telephone number")
        return normalize(value, field=field)
    if base == "instant":
        if not isinstance(value, str):
            raise InvalidInput.for_field(field, "must be an ISO-8601 time with its zone")
        return iso(parse_instant(value, field=field))
    if base in ("count",):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInput.for_field(field, "must be a whole number, 0 or more")
        return value
    if base == "bool":
        if not isinstance(value, bool):
            raise InvalidInput.for_field(field, "must be true or false")
        return value
    if base == "strlist":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidInput.for_field(field, "must be a list of texts")
        return value
    if base == "json":
        if not isinstance(value, list | dict):
            raise InvalidInput.for_field(field, "must be a list or an object")
        return value
    allowed = base.removeprefix("enum:").split("|")
    if value not in allowed:
        raise InvalidInput.for_field(field, f"must be one of {', '.join(allowed)}")
    return value


def _apply(view: dict[str, Any], kinds: dict[str, str], changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        base = kinds.get(name, "text").rstrip("?")
        if base == "instant" and value is not None:
            view[name] = parse_instant(str(value), field=name)
        elif base in ("json", "strlist"):
            view[name] = json.dumps(value, sort_keys=True)
        else:
            view[name] = value


def apply_changes(view: dict[str, Any], target_type: str, amendment: m.Amendment) -> None:
    """Applies one amendment's changes to a view, in place."""
    _apply(view, AMENDABLE.get(target_type, {}), json.loads(amendment.changes))


def view_of(record: Recorded) -> dict[str, Any]:
    """A record's stored content as a plain dict (decrypted)."""
    return record.ledger_content()


def amendments_for(
    *, session: Session, target_type: str, target_ids: Iterable[str]
) -> dict[str, list[m.Amendment]]:
    """Every amendment of the given records, oldest first, by record id."""
    ids = list(set(target_ids))
    found: dict[str, list[m.Amendment]] = {}
    for start in range(0, len(ids), 500):
        rows = session.scalars(
            select(m.Amendment)
            .where(m.Amendment.target_type == target_type)
            .where(m.Amendment.target_id.in_(ids[start : start + 500]))
            .order_by(m.Amendment.recorded_at, m.Amendment.id)
        )
        for row in rows:
            found.setdefault(row.target_id, []).append(row)
    return found


def current_views(
    *, session: Session, target_type: str, views: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Applies every amendment to each original view (keyed by id), in place; returns them."""
    if not views:
        return views
    found = amendments_for(session=session, target_type=target_type, target_ids=views)
    apply_rows(
        target_type=target_type,
        views=views,
        rows=((target_id, row.changes) for target_id, rows in found.items() for row in rows),
    )
    return views


def apply_rows(
    *, target_type: str, views: dict[str, dict[str, Any]], rows: Iterable[tuple[str, str]]
) -> None:
    """Applies amendments given as (target id, changes JSON), each record's oldest first, to
    the original views (keyed by id), in place."""
    kinds = AMENDABLE.get(target_type, {})
    for target_id, changes in rows:
        _apply(views[target_id], kinds, json.loads(changes))


def current(*, session: Session, record: Recorded) -> dict[str, Any]:
    """The current view of one record: the original with its amendments applied."""
    view = view_of(record)
    return current_views(
        session=session, target_type=record.__tablename__, views={record.id: view}
    )[record.id]


def amend(
    *,
    session: Session,
    actor: str,
    target_type: str,
    target_id: str,
    changes: dict[str, Any],
    reason: str,
    check: Callable[[dict[str, Any]], None] | None = None,
) -> m.Amendment:
    """Records a correction of one record; `check` sees the amended view before it is kept."""
    model = MODELS.get(target_type)
    if model is None:
        raise NotFound(f"records of type {target_type!r} cannot be amended")
    original = session.get(model, target_id)
    if original is None:
        raise NotFound(f"no {target_type} record {target_id}")
    if not reason.strip():
        raise InvalidInput.for_field("reason", "say why the record is corrected")
    kinds = AMENDABLE[target_type]
    problems: list[FieldProblem] = []
    cleaned: dict[str, Any] = {}
    for name, value in changes.items():
        field = f"changes.{name}"
        if name not in kinds:
            problems.append(FieldProblem(field, "this field cannot be amended"))
            continue
        try:
            cleaned[name] = _clean(kinds[name], value, field)
        except InvalidInput as exc:
            problems.extend(exc.fields)
    if not cleaned and not problems:
        problems.append(FieldProblem("changes", "name at least one field to change"))
    if problems:
        raise InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), fields=problems)
    view = current(session=session, record=original)
    _apply(view, kinds, cleaned)
    if check is not None:
        check(view)
    amendment = m.Amendment(
        target_type=target_type,
        target_id=target_id,
        changes=json.dumps(cleaned, sort_keys=True),
        reason=reason.strip(),
        recorded_by=actor,
    )
    return ledger.record(session=session, actor=actor, entity=amendment, action="amend")


def to_out(amendment: m.Amendment) -> AmendmentOut:
    """The amendment as the API shows it."""
    from callkeep.records.schemas import AmendmentOut  # the API's schemas: loaded for the API

    return AmendmentOut(
        id=amendment.id,
        target_type=amendment.target_type,
        target_id=amendment.target_id,
        changes=json.loads(amendment.changes),
        reason=amendment.reason,
        recorded_by=amendment.recorded_by,
        recorded_at=amendment.recorded_at,
    )


def utc_or_none(value: datetime | None, field: str) -> datetime | None:
    """`value` in UTC to the second, refusing a time without zone; None stays None."""
    return None if value is None else to_utc_second(value, field=field)
