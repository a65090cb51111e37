"""Call records (16 CFR 310.5(a)(2)).

A call missing a required field is refused naming every missing field. Dialers retry, so an
idempotency key, and separately (seller, external call id), return the first record instead of
writing a second one, also when two identical posts race.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callkeep.errors import FieldProblem, InvalidInput, NotFound
from callkeep.kit.clock import to_utc_second
from callkeep.ledger import service as ledger
from callkeep.phone.parse import normalize
from callkeep.records import amendments, people, sellers
from callkeep.records import models as m
from callkeep.records.schemas import CallIn, CallOut

MANUAL_EXEMPT = ("calling_number", "called_number", "started_at", "duration_seconds", "disposition")


@dataclass(frozen=True)
class CallResult:
    """A call record, and whether this request wrote it (False: an earlier one is returned)."""

    call: m.Call
    created: bool


def check_view(view: dict[str, Any]) -> None:
    """Refuses a call view lacking a required 310.5(a)(2) field; names each one missing."""
    problems: list[FieldProblem] = []
    manual = bool(view.get("manual_dial"))
    if not view.get("employee_id") and not view.get("telemarketer_name"):
        problems.append(FieldProblem("telemarketer", "say which telemarketer placed the call"))
    required = [
        "seller_id",
        "subject",
        "consumer_or_business",
        "outbound",
        "prerecorded",
        "calling_number",
        "called_number",
        "started_at",
        "duration_seconds",
        "caller_id_number",
        "disposition",
    ]
    names = {"seller_id": "seller"}
    for field in required:
        if manual and field in MANUAL_EXEMPT:
            continue
        if view.get(field) is None or view.get(field) == "":
            problems.append(FieldProblem(names.get(field, field), "required for a call record"))
    if view.get("disposition") == "transferred" and not view.get("transfer_to"):
        problems.append(
            FieldProblem("transfer_to", "a transferred call names the number or IP address")
        )
    if problems:
        raise InvalidInput(
            "the call record is incomplete: " + ", ".join(p.field for p in problems),
            fields=problems,
        )


def _number(value: str | None, field: str, problems: list[FieldProblem]) -> str | None:
    if value is None or value == "":
        return None
    try:
        return normalize(value, field=field)
    except InvalidInput as exc:
        problems.extend(exc.fields)
        return None


def prepare_call(*, session: Session, call_in: CallIn) -> dict[str, Any]:
    """The call's column values, checked; raises InvalidInput naming every problem."""
    problems: list[FieldProblem] = []
    row: dict[str, Any] = {}
    seller_id: str | None = None
    if call_in.seller:
        try:
            seller_id = sellers.seller_view(session=session, ref=call_in.seller)["id"]
        except InvalidInput as exc:
            problems.extend(exc.fields)
    row["seller_id"] = seller_id
    row["campaign_id"] = None
    if call_in.campaign:
        try:
            campaign = sellers.campaign_row(
                session=session, ref=call_in.campaign, seller_id=seller_id
            )
            row["campaign_id"] = campaign.id
        except InvalidInput as exc:
            problems.extend(exc.fields)
    employee_id = call_in.employee_id
    name = call_in.telemarketer_name
    if call_in.telemarketer and not employee_id:
        found = people.find_employee(session=session, ref=call_in.telemarketer)
        if found is not None:
            employee_id = found.id
        elif not name:
            name = call_in.telemarketer
    if employee_id and session.get(m.Employee, employee_id) is None:
        problems.append(FieldProblem("employee_id", f"no employee {employee_id}"))
    row["employee_id"] = employee_id
    row["telemarketer_name"] = name
    if call_in.contact_id and session.get(m.Contact, call_in.contact_id) is None:
        problems.append(FieldProblem("contact_id", f"no contact {call_in.contact_id}"))
    row["contact_id"] = call_in.contact_id
    for field in ("calling_number", "called_number", "caller_id_number"):
        row[field] = _number(getattr(call_in, field), field, problems)
    row["started_at"] = None
    if call_in.started_at is not None:
        try:
            row["started_at"] = to_utc_second(call_in.started_at, field="started_at")
        except InvalidInput as exc:
            problems.extend(exc.fields)
    if call_in.duration_seconds is not None and call_in.duration_seconds < 0:
        problems.append(FieldProblem("duration_seconds", "must be 0 or more"))
    for field in ("script_version_id", "message_version_id"):
        ref = getattr(call_in, field)
        if ref and session.get(m.CampaignDocument, ref) is None:
            problems.append(FieldProblem(field, f"no script or message version {ref}"))
    for field in (
        "subject",
        "consumer_or_business",
        "outbound",
        "prerecorded",
        "manual_dial",
        "duration_seconds",
        "script_version_id",
        "message_version_id",
        "caller_id_name",
        "disposition",
        "transfer_to",
        "transfer_company",
        "outcome",
        "notes",
        "recording_ref",
        "decision_id",
        "external_call_id",
    ):
        row[field] = getattr(call_in, field)
    try:
        check_view(row)
    except InvalidInput as exc:
        known = {p.field for p in problems}
        problems.extend(p for p in exc.fields if p.field not in known)
    if problems:
        raise InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), fields=problems)
    return row


def _existing(
    session: Session, *, key: str | None, seller_id: str | None, external_id: str | None
) -> m.Call | None:
    if key:
        found = session.scalars(select(m.Call).where(m.Call.idempotency_key == key)).first()
        if found is not None:
            return found
    if external_id and seller_id:
        return session.scalars(
            select(m.Call).where(
                m.Call.seller_id == seller_id, m.Call.external_call_id == external_id
            )
        ).first()
    return None


def record_call(
    *, session: Session, actor: str, call_in: CallIn, idempotency_key: str | None = None
) -> CallResult:
    """Records one call, or returns the call already recorded under the same key or id."""
    row = prepare_call(session=session, call_in=call_in)
    found = _existing(
        session,
        key=idempotency_key,
        seller_id=row["seller_id"],
        external_id=row["external_call_id"],
    )
    if found is not None:
        return CallResult(found, created=False)
    call = m.Call(**row, idempotency_key=idempotency_key or None, recorded_by=actor)
    try:
        with session.begin_nested():
            ledger.record(session=session, actor=actor, entity=call)
    except IntegrityError:
        found = _existing(
            session,
            key=idempotency_key,
            seller_id=row["seller_id"],
            external_id=row["external_call_id"],
        )
        if found is None:
            raise
        return CallResult(found, created=False)
    return CallResult(call, created=True)


def record_calls(*, session: Session, actor: str, calls: list[CallIn]) -> list[str]:
    """Records many calls at once through the ledger's bulk path; returns their ids in order.

    Each call is checked as `record_call` checks it; one bad call refuses the whole batch,
    naming the call by its position (``calls.3.started_at``).
    """
    cache: dict[tuple[str, str | None], Any] = {}
    numbers: dict[str, str | None] = {}
    rows: list[dict[str, Any]] = []
    for i, call_in in enumerate(calls):
        key = (call_in.seller or "", call_in.campaign)
        try:
            if key in cache and not call_in.telemarketer:
                row = _fast_row(call_in, cache[key], numbers)
            else:
                row = prepare_call(session=session, call_in=call_in)
                cache[key] = (row["seller_id"], row["campaign_id"])
        except InvalidInput as exc:
            fields = [FieldProblem(f"calls.{i}.{p.field}", p.message) for p in exc.fields]
            raise InvalidInput(f"call {i}: {exc.message}", fields=fields) from None
        row["idempotency_key"] = None
        rows.append(row)
    _check_references(session, rows)
    return ledger.record_many(session=session, actor=actor, model=m.Call, rows=rows)


def _check_references(session: Session, rows: list[dict[str, Any]]) -> None:
    """Refuses a batch naming an employee, contact or script version that does not exist."""
    checks: list[tuple[str, Any]] = [
        ("employee_id", m.Employee.id),
        ("contact_id", m.Contact.id),
        ("script_version_id", m.CampaignDocument.id),
        ("message_version_id", m.CampaignDocument.id),
    ]
    for field, column in checks:
        wanted = {row[field] for row in rows if row.get(field)}
        known: set[str] = set()
        values = sorted(wanted)
        for start in range(0, len(values), 500):
            known.update(
                session.scalars(select(column).where(column.in_(values[start : start + 500])))
            )
        missing = wanted - known
        if missing:
            problems = [
                FieldProblem(f"calls.{i}.{field}", f"no such record {row[field]}")
                for i, row in enumerate(rows)
                if row.get(field) in missing
            ]
            raise InvalidInput(f"{len(problems)} call(s) name unknown {field}", fields=problems)


_NUMBER_FIELDS = ("calling_number", "called_number", "caller_id_number")
_UNRESOLVED = ("seller", "campaign", "telemarketer")


def _fast_row(
    call_in: CallIn, resolved: tuple[str, str | None], numbers: dict[str, str | None]
) -> dict[str, Any]:
    """A call of an already-resolved seller and campaign, checked without further queries.

    `numbers` caches each spelling's E.164 form across the batch (None: not dialable).
    """
    problems: list[FieldProblem] | None = None
    row = call_in.__dict__.copy()
    for name in _UNRESOLVED:
        del row[name]
    row["seller_id"], row["campaign_id"] = resolved
    for field in _NUMBER_FIELDS:
        raw = row[field]
        if not raw:
            row[field] = None
            continue
        e164 = numbers.get(raw)
        if e164 is None:
            problems = problems if problems is not None else []
            e164 = numbers[raw] = _number(raw, field, problems)
        row[field] = e164
    started = row["started_at"]
    if started is not None and (started.tzinfo is not UTC or started.microsecond):
        try:
            row["started_at"] = to_utc_second(started, field="started_at")
        except InvalidInput as exc:
            problems = (problems or []) + exc.fields
    duration = row["duration_seconds"]
    if duration is not None and duration < 0:
        problems = (problems or []) + [FieldProblem("duration_seconds", "must be 0 or more")]
    if problems:
        raise InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), fields=problems)
    if not _plainly_complete(row):
        check_view(row)
    return row


_REQUIRED = (
    "seller_id",
    "subject",
    "consumer_or_business",
    "outbound",
    "prerecorded",
    "calling_number",
    "called_number",
    "started_at",
    "duration_seconds",
    "caller_id_number",
    "disposition",
)


def _plainly_complete(view: dict[str, Any]) -> bool:
    """True when `check_view` has nothing to say: every required field present, no manual-dial
    exemption needed, a telemarketer named, a transfer's target given. (False: ask it.)"""
    for field in _REQUIRED:
        value = view[field]
        if value is None or value == "":
            return False
    if not view["employee_id"] and not view["telemarketer_name"]:
        return False
    return view["disposition"] != "transferred" or bool(view["transfer_to"])


def get_call(*, session: Session, call_id: str) -> m.Call:
    """The call with this id, or NotFound."""
    call = session.get(m.Call, call_id)
    if call is None:
        raise NotFound(f"no call {call_id}")
    return call


def call_out(*, session: Session, call: m.Call, fresh: bool = False) -> CallOut:
    """The current view of a call: the original with its amendments, which are listed too.

    `fresh`: the call was written in this transaction, so it has no amendments to look up.
    """
    if fresh:
        return CallOut.model_validate(amendments.view_of(call))
    found = amendments.amendments_for(session=session, target_type="calls", target_ids=[call.id])
    view = amendments.view_of(call)
    for row in found.get(call.id, []):
        amendments.apply_changes(view, "calls", row)
    return CallOut.model_validate(
        {**view, "amendments": [amendments.to_out(a) for a in found.get(call.id, [])]}
    )


def list_calls(
    *,
    session: Session,
    seller_id: str | None = None,
    campaign_id: str | None = None,
    phone: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[CallOut], int]:
    """Calls newest first with the total; filters by seller, campaign, number, start from/to."""
    query = select(m.Call)
    if seller_id:
        query = query.where(m.Call.seller_id == seller_id)
    if campaign_id:
        query = query.where(m.Call.campaign_id == campaign_id)
    if phone:
        e164 = normalize(phone, field="phone")
        query = query.where(or_(m.Call.called_number == e164, m.Call.calling_number == e164))
    when = func.coalesce(m.Call.started_at, m.Call.recorded_at)
    if since is not None:
        query = query.where(when >= to_utc_second(since, field="from"))
    if until is not None:
        query = query.where(when <= to_utc_second(until, field="to"))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(
        session.scalars(query.order_by(when.desc(), m.Call.id.desc()).limit(limit).offset(offset))
    )
    found = amendments.amendments_for(
        session=session, target_type="calls", target_ids=[r.id for r in rows]
    )
    views = {r.id: amendments.view_of(r) for r in rows}
    amendments.current_views(session=session, target_type="calls", views=views)
    items = [
        CallOut.model_validate(
            {**views[r.id], "amendments": [amendments.to_out(a) for a in found.get(r.id, [])]}
        )
        for r in rows
    ]
    return items, int(total)


def amend_call(
    *, session: Session, actor: str, call_id: str, changes: dict[str, Any], reason: str
) -> m.Amendment:
    """Records a correction of a call; the amended call must still be a complete record."""
    get_call(session=session, call_id=call_id)
    references: dict[str, type[Any]] = {
        "employee_id": m.Employee,
        "campaign_id": m.Campaign,
        "contact_id": m.Contact,
        "script_version_id": m.CampaignDocument,
        "message_version_id": m.CampaignDocument,
    }

    def check(view: dict[str, Any]) -> None:
        check_view(view)
        for field, model in references.items():
            if field in changes and view.get(field) and session.get(model, view[field]) is None:
                raise InvalidInput.for_field(f"changes.{field}", f"no such record {view[field]}")

    return amendments.amend(
        session=session,
        actor=actor,
        target_type="calls",
        target_id=call_id,
        changes=changes,
        reason=reason,
        check=check,
    )
