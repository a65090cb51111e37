"""What makes a call record complete and valid (16 CFR 310.5(a)(2)).

A call missing a required field is refused naming every missing field; numbers are stored in
E.164, times in UTC to the second, and every record a call names must exist.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from callkeep.errors import FieldProblem, InvalidInput
from callkeep.kit.clock import instant_to_utc_second
from callkeep.phone.parse import normalize
from callkeep.records.calls import lookups
from callkeep.records.parties.directory import Directory, directory
from callkeep.records.schemas import CallIn

_NUMBER_FIELDS = ("calling_number", "called_number", "caller_id_number")
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
MANUAL_EXEMPT = ("calling_number", "called_number", "started_at", "duration_seconds", "disposition")


def check_view(view: dict[str, Any]) -> None:
    """Refuses a call view lacking a required 310.5(a)(2) field; names each one missing."""
    problems: list[FieldProblem] = []
    manual = bool(view.get("manual_dial"))
    if not view.get("employee_id") and not view.get("telemarketer_name"):
        problems.append(FieldProblem("telemarketer", "say which telemarketer placed the call"))
    names = {"seller_id": "seller"}
    for field in _REQUIRED:
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


def _check_values(
    row: dict[str, Any],
    given: dict[str, Any],
    numbers: dict[str, str | None],
    problems: list[FieldProblem],
) -> None:
    """Puts into `row` the given numbers in E.164 and the start in UTC to the second (its range
    was checked when the `CallIn` was read), and adds
    to `problems` what is wrong with them or with the duration. The one check of a call's own
    values, alone and in a batch; `numbers` caches each spelling's E.164 form (None: not
    dialable, checked again so that its problem names the right field)."""
    for field in _NUMBER_FIELDS:
        raw = given[field]
        if not raw:
            row[field] = None
            continue
        e164 = numbers.get(raw)
        if e164 is None:
            e164 = numbers[raw] = _number(raw, field, problems)
        row[field] = e164
    started = given["started_at"]
    row["started_at"] = None
    if started is not None:
        try:
            row["started_at"] = instant_to_utc_second(started, field="started_at")
        except InvalidInput as exc:
            problems.extend(exc.fields)
    duration = given["duration_seconds"]
    if duration is not None and duration < 0:
        problems.append(FieldProblem("duration_seconds", "must be 0 or more"))


def prepare_call(
    *, session: Session, call_in: CallIn, parties: Directory | None = None
) -> dict[str, Any]:
    """The call's column values, checked; raises InvalidInput naming every problem.

    `parties`: the sellers and campaigns as this session sees them, if already read.
    """
    problems: list[FieldProblem] = []
    row: dict[str, Any] = {}
    seller_id: str | None = None
    parties = parties or directory(session=session)
    if call_in.seller:
        try:
            seller_id = parties.seller(call_in.seller)["id"]
        except InvalidInput as exc:
            problems.extend(exc.fields)
    row["seller_id"] = seller_id
    row["campaign_id"] = None
    if call_in.campaign:
        try:
            row["campaign_id"] = parties.campaign(call_in.campaign, seller_id)["id"]
        except InvalidInput as exc:
            problems.extend(exc.fields)
    employee_id = call_in.employee_id
    name = call_in.telemarketer_name
    if call_in.telemarketer and not employee_id:
        found = lookups.employee_id_for(session=session, ref=call_in.telemarketer)
        if found is not None:
            employee_id = found
        elif not name:
            name = call_in.telemarketer
    if employee_id and not lookups.exists(session=session, field="employee_id", ref=employee_id):
        problems.append(FieldProblem("employee_id", f"no employee {employee_id}"))
    row["employee_id"] = employee_id
    row["telemarketer_name"] = name
    if call_in.contact_id and not lookups.exists(
        session=session, field="contact_id", ref=call_in.contact_id
    ):
        problems.append(FieldProblem("contact_id", f"no contact {call_in.contact_id}"))
    row["contact_id"] = call_in.contact_id
    _check_values(row, call_in.__dict__, {}, problems)
    for field in ("script_version_id", "message_version_id"):
        ref = getattr(call_in, field)
        if ref and not lookups.exists(session=session, field=field, ref=ref):
            problems.append(FieldProblem(field, f"no script or message version {ref}"))
    for field in _AS_GIVEN:
        row[field] = getattr(call_in, field)
    try:
        check_view(row)
    except InvalidInput as exc:
        known = {p.field for p in problems}
        problems.extend(p for p in exc.fields if p.field not in known)
    if problems:
        raise InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), fields=problems)
    return row


_AS_GIVEN = (
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
)


_UNRESOLVED = ("seller", "campaign", "telemarketer")


def resolved_row(
    call_in: CallIn, resolved: tuple[str, str | None], numbers: dict[str, str | None]
) -> dict[str, Any]:
    """`prepare_call` for a call whose seller and campaign are already resolved (`resolved`)
    and that names no employee, contact or script by id: the same checks of its values
    (`_check_values`) and of its completeness (`check_view`), without a query.

    `numbers` caches each spelling's E.164 form across the batch (None: not dialable).
    """
    return resolved_fields_row(call_in.__dict__, resolved, numbers)


def resolved_fields_row(
    fields: dict[str, Any], resolved: tuple[str, str | None], numbers: dict[str, str | None]
) -> dict[str, Any]:
    """`resolved_row` of a valid `CallIn`'s fields (its `__dict__`, or what
    `plain_input.plain_call_fields` gives for the same values)."""
    problems: list[FieldProblem] = []
    row = fields.copy()
    for name in _UNRESOLVED:
        del row[name]
    row["seller_id"], row["campaign_id"] = resolved
    _check_values(row, row, numbers, problems)
    if problems:  # named together with any missing field, as prepare_call names them
        try:
            check_view(row)
        except InvalidInput as exc:
            known = {p.field for p in problems}
            problems.extend(p for p in exc.fields if p.field not in known)
        raise InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), fields=problems)
    if not _plainly_complete(row):
        check_view(row)
    return row


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
