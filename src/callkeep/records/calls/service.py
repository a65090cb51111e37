"""Call records (16 CFR 310.5(a)(2)): writing them one by one or in batches, reading them.

A call is checked as `validation` says. Dialers retry, so an idempotency key, and separately
(seller, external call id), return the first record instead of writing a second one, also when
two identical posts race. A key belongs to its client and seller (`kit.idempotency`): the same
client sending the same key for a different call is refused (409), never given the first record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from callkeep.errors import Conflict, FieldProblem, InvalidInput, NotFound
from callkeep.kit.clock import to_utc_second, utcnow
from callkeep.kit.idempotency import content_key, scoped_key
from callkeep.kit.ids import new_id
from callkeep.ledger import service as ledger
from callkeep.ledger.inserts import collection_paused
from callkeep.phone.parse import normalize
from callkeep.records import amendments
from callkeep.records import models as m
from callkeep.records.calls import lookups, validation
from callkeep.records.calls.validation import check_view, prepare_call
from callkeep.records.parties import models as pm
from callkeep.records.schemas import CallIn, CallOut

__all__ = [
    "CallResult",
    "PreparedCall",
    "WrittenCall",
    "amend_call",
    "call_out",
    "check_view",
    "content_of",
    "get_call",
    "list_calls",
    "prepare_call",
    "record_call",
    "record_calls",
    "write_call",
    "write_prepared_calls",
    "written_out",
]


@dataclass(frozen=True)
class CallResult:
    """A call record, and whether this request wrote it (False: an earlier one is returned)."""

    call: m.Call
    created: bool


@dataclass(frozen=True)
class WrittenCall:
    """What `write_call` did: the call's id, whether it wrote it, and what was stored if the
    call was written in this transaction (None: an earlier record, read back when shown)."""

    id: str
    created: bool
    stored: dict[str, Any] | None


@dataclass(frozen=True)
class PreparedCall:
    """A call `prepare_call` has checked, who posts it, and its idempotency key if any.

    `client`: whose the key is (`kit.idempotency.client_of`; default: the actor).
    """

    actor: str
    row: dict[str, Any]
    idempotency_key: str | None = None
    client: str | None = None


_NOT_CONTENT = frozenset({"id", "recorded_at", "recorded_by", "idempotency_key"})


def content_of(row: dict[str, Any]) -> str:
    """The key that names a checked call by its content (a batch item sent without a key)."""
    return content_key(row, tuple(sorted(k for k in row if k not in _NOT_CONTENT)))


def _same_call(row: dict[str, Any], earlier: dict[str, Any] | m.Call) -> bool:
    """Whether a checked call holds what an earlier record (stored, or a row of this
    transaction) holds, field by field."""

    def value(name: str) -> Any:
        return earlier.get(name) if isinstance(earlier, dict) else getattr(earlier, name)

    return all(row[name] == value(name) for name in row if name not in _NOT_CONTENT)


def _key_reused(key: str) -> Conflict:
    message = f"Idempotency-Key {key!r} was sent before with a different call"
    return Conflict(message, fields=[FieldProblem("idempotency-key", message)])


def write_call(
    *,
    session: Session,
    actor: str,
    call_in: CallIn,
    idempotency_key: str | None = None,
    client: str | None = None,
) -> WrittenCall:
    """Records one call, or finds the call already recorded under the same idempotency key (of
    the same client and seller) or (seller, external call id): a retry gets the first record,
    never a second one; the same key for a different call is Conflict (409).

    Every refusal (InvalidInput, Conflict) comes before anything is written.
    """
    row = prepare_call(session=session, call_in=call_in)
    [written] = write_prepared_calls(
        session=session, calls=[PreparedCall(actor, row, idempotency_key, client)]
    )
    if isinstance(written, Conflict):
        raise written
    return written


def write_prepared_calls(
    *, session: Session, calls: Sequence[PreparedCall]
) -> list[WrittenCall | Conflict]:
    """`write_call` for calls `prepare_call` has checked, in order, stored in one bulk write.

    A call repeating the idempotency key (of its client and seller), else the (seller, external
    call id), of a call recorded before or earlier in `calls` gets that call; one repeating a
    key with different content gets Conflict, and writes nothing. The ledger's append lock is
    taken before the look-ups, so two identical posts at once queue: the second finds the first
    (on every engine, with no savepoint or retry). The rows of `calls` are completed here.
    """
    ledger.lock(session=session)
    now = utcnow()
    written: list[WrittenCall | Conflict] = []
    by_key: dict[str, WrittenCall] = {}
    by_external: dict[tuple[str, str], WrittenCall] = {}
    fresh: dict[str, list[dict[str, Any]]] = {}
    for call in calls:
        row, sent = call.row, call.idempotency_key or None
        seller_id, external_id = row["seller_id"], row["external_call_id"]
        external = (seller_id, external_id) if seller_id and external_id else None
        found: WrittenCall | None = None
        key = None
        if sent:
            key = scoped_key(client=call.client or call.actor, seller_id=seller_id, key=sent)
            found, same = _by_key(session, call, key, sent, by_key)
            if not same:
                written.append(_key_reused(sent))
                continue
        if found is None and external is not None:
            earlier = lookups.call_by_external_id(
                session=session, seller_id=external[0], external_id=external[1]
            )
            found = WrittenCall(earlier, False, None) if earlier else by_external.get(external)
        if found is not None:
            written.append(WrittenCall(found.id, created=False, stored=found.stored))
            continue
        row.update(idempotency_key=key, id=new_id(), recorded_at=now, recorded_by=call.actor)
        made = WrittenCall(row["id"], created=True, stored=row)
        written.append(made)
        if key:
            by_key[key] = made
        if external is not None:
            by_external[external] = made
        fresh.setdefault(call.actor, []).append(row)
    for actor, rows in fresh.items():
        ledger.record_many(session=session, actor=actor, model=m.Call, rows=rows)
    return written


def _by_key(
    session: Session, call: PreparedCall, key: str, sent: str, by_key: dict[str, WrittenCall]
) -> tuple[WrittenCall | None, bool]:
    """The call recorded before (or earlier in this write) under the scoped `key`, and whether
    `call` holds the same content. A record stored before keys were scoped holds the key as
    sent: it is found only for the same actor and seller."""
    in_group = by_key.get(key)
    if in_group is not None:
        assert in_group.stored is not None
        return in_group, _same_call(call.row, in_group.stored)
    earlier = lookups.call_by_key(session=session, key=key) or lookups.call_by_key(
        session=session, key=sent, seller_id=call.row["seller_id"], recorded_by=call.actor
    )
    if earlier is None:
        return None, True
    return WrittenCall(earlier, False, None), _same_call(
        call.row, get_call(session=session, call_id=earlier)
    )


def record_call(
    *,
    session: Session,
    actor: str,
    call_in: CallIn,
    idempotency_key: str | None = None,
    client: str | None = None,
) -> CallResult:
    """Records one call, or returns the call already recorded under the same key or id."""
    written = write_call(
        session=session,
        actor=actor,
        call_in=call_in,
        idempotency_key=idempotency_key,
        client=client,
    )
    return CallResult(get_call(session=session, call_id=written.id), created=written.created)


def written_out(*, session: Session, written: WrittenCall) -> CallOut:
    """The view of a call `write_call` wrote or found, as `call_out` shows it."""
    if written.stored is not None:
        return CallOut.model_validate(written.stored)
    return call_out(session=session, call=get_call(session=session, call_id=written.id))


def record_calls(*, session: Session, actor: str, calls: list[CallIn]) -> list[str]:
    """Records many calls at once through the ledger's bulk path; returns their ids in order.

    Each call is checked as `record_call` checks it; one bad call refuses the whole batch,
    naming the call by its position (``calls.3.started_at``).
    """
    with collection_paused(len(calls)):
        return _record_calls(session=session, actor=actor, calls=calls)


def _record_calls(*, session: Session, actor: str, calls: list[CallIn]) -> list[str]:
    cache: dict[tuple[str, str | None], Any] = {}
    numbers: dict[str, str | None] = {}
    rows: list[dict[str, Any]] = []
    for i, call_in in enumerate(calls):
        key = (call_in.seller or "", call_in.campaign)
        try:
            if key in cache and not call_in.telemarketer:
                row = validation.resolved_row(call_in, cache[key], numbers)
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
        ("employee_id", pm.Employee.id),
        ("contact_id", pm.Contact.id),
        ("script_version_id", pm.CampaignDocument.id),
        ("message_version_id", pm.CampaignDocument.id),
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
    numbers: Select[Any] | None = None,
) -> tuple[list[CallOut], int]:
    """Calls newest first with the total; filters by seller, campaign, number, start from/to;
    only the calls to `numbers` (a subquery, `records.worked_numbers`) when given."""
    query = select(m.Call)
    if numbers is not None:
        query = query.where(m.Call.called_number.in_(numbers))
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
        "employee_id": pm.Employee,
        "campaign_id": pm.Campaign,
        "contact_id": pm.Contact,
        "script_version_id": pm.CampaignDocument,
        "message_version_id": pm.CampaignDocument,
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
