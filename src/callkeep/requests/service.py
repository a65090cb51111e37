"""Recording consumers' Do-Not-Call requests: the block at once, consents revoked, deadlines.

A request is recorded once per seller and number. It puts the number on the seller's
entity-specific list in the same transaction (so the next check is blocked from that second),
revokes the seller's consents for the number, and thereby ends any established business
relationship (the checks domain lets an entity-specific request override both). Nothing here
updates or deletes a request: a repeat returns the earlier one.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, text
from sqlalchemy.orm import Session

from callkeep.errors import InvalidInput, NotFound
from callkeep.kit.clock import parse_instant, to_utc_second, utcnow
from callkeep.ledger import service as ledger
from callkeep.phone.parse import normalize
from callkeep.requests import deadlines, peers
from callkeep.requests.models import DncReference, DncRequest
from callkeep.requests.schemas import DncRequestCreate, DncRequestOut, RequestStatus

# Base32 without the letters and digits people confuse (I, L, O, U, 0, 1).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 10
_MAX_FUTURE = timedelta(minutes=5)


@dataclass(frozen=True)
class RecordedRequest:
    """A request and whether this call created it (False: an earlier one was returned)."""

    request: DncRequest
    created: bool


def new_code() -> str:
    """A fresh confirmation code: 10 characters, about 49 bits of randomness."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    """A typed code in canonical form: spaces and dashes dropped, capitals."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def _unused_code(session: Session) -> str:
    while True:
        code = new_code()
        taken = session.scalar(select(DncRequest.id).where(DncRequest.confirmation_code == code))
        taken = taken or session.scalar(select(DncReference.id).where(DncReference.code == code))
        if taken is None:
            return code


def _lock_number(session: Session, seller_id: str, phone: str) -> None:
    """Serializes concurrent requests for one seller and number (SQLite writers queue anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        raw = hashlib.sha256(f"dnc:{seller_id}:{phone}".encode()).digest()[:8]
        key = int.from_bytes(raw, "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def existing(*, session: Session, seller_id: str, phone: str) -> DncRequest | None:
    """The request already recorded for this seller and number, if any."""
    return session.scalar(
        select(DncRequest).where(DncRequest.seller_id == seller_id, DncRequest.phone == phone)
    )


def _received(moment: datetime | None, now: datetime) -> datetime:
    if moment is None:
        return now
    received = to_utc_second(moment, field="received_at")
    if received > now + _MAX_FUTURE:
        raise InvalidInput.for_field("received_at", "a request cannot be received in the future")
    return received


def parse_bound(text: str, *, field: str, end: bool = False) -> datetime:
    """A date filter: an ISO-8601 instant with zone, or a day (``2026-11-25``, whole day, UTC)."""
    stripped = text.strip()
    if len(stripped) == 10:
        try:
            day = date.fromisoformat(stripped)
        except ValueError:
            pass
        else:
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + timedelta(days=1, seconds=-1) if end else start
    return parse_instant(stripped, field=field)


def _blank(text_in: str | None) -> str | None:
    if text_in is None:
        return None
    stripped = text_in.strip()
    return stripped or None


def record_request(
    *, session: Session, actor: str, request_in: DncRequestCreate
) -> RecordedRequest:
    """Records a consumer's request, or returns the one already recorded for seller and number.

    The number lands on the seller's entity-specific list in this transaction and the seller's
    consents for it are revoked. Raises InvalidInput for an unusable number or unknown seller.
    """
    phone = normalize(request_in.phone, field="phone")
    others: list[str] = []
    for index, other in enumerate(request_in.other_phones):
        e164 = normalize(other, field=f"other_phones.{index}")
        if e164 != phone and e164 not in others:
            others.append(e164)
    seller = peers.resolve_seller(session=session, ref=request_in.seller)
    now = utcnow()
    received_at = _received(request_in.received_at, now)
    _lock_number(session, seller.id, phone)
    earlier = existing(session=session, seller_id=seller.id, phone=phone)
    if earlier is not None:
        return RecordedRequest(earlier, created=False)

    employee_id: str | None = None
    telemarketer = _blank(request_in.telemarketer)
    if telemarketer is not None:
        employee_id, telemarketer = peers.employee_name(session=session, ref=telemarketer)
    code = _unused_code(session)
    evidence = _blank(request_in.evidence)
    channel = request_in.channel.value
    block: peers.EntityBlock | None = None
    revocations: list[str] = []
    for number in (phone, *others):
        added = peers.add_to_entity_list(
            session=session,
            actor=actor,
            seller=seller,
            phone=number,
            source=f"dnc_request:{channel}",
            reference=code,
        )
        block = block or added
        revocations += peers.revoke_consents(
            session=session,
            actor=actor,
            seller=seller,
            phone=number,
            channel=channel,
            evidence=evidence,
            reference=code,
        )
    deadline = deadlines.deadline_for(received_at)
    honored_at = block.recorded_at if block is not None else None
    request = DncRequest(
        seller_id=seller.id,
        seller_slug=seller.slug,
        phone=phone,
        other_phones=" ".join(others) or None,
        name=_blank(request_in.name),
        email=_blank(request_in.email),
        telemarketer_employee_id=employee_id,
        telemarketer_name=telemarketer,
        call_id=_blank(request_in.call_id),
        purpose=_blank(request_in.purpose),
        channel=channel,
        evidence=evidence,
        matched_wording=_blank(request_in.matched_wording),
        received_at=received_at,
        confirmation_code=code,
        deadline=deadline,
        honored_at=honored_at,
        honored_in_time=(
            None if honored_at is None else honored_at <= deadlines.deadline_end(deadline)
        ),
        entity_entry_id=block.id if block is not None else None,
        revocation_ids=" ".join(revocations) or None,
        retain_until=deadlines.retain_until(received_at),
        recorded_by=actor,
    )
    ledger.record(session=session, actor=actor, entity=request)
    return RecordedRequest(request, created=True)


def add_reference(
    *, session: Session, actor: str, request: DncRequest, channel: str, received_at: datetime
) -> DncReference:
    """A new confirmation code that leads to `request`, for a repeat submission."""
    reference = DncReference(
        request_id=request.id,
        code=_unused_code(session),
        channel=channel,
        received_at=received_at,
        recorded_by=actor,
    )
    return ledger.record(session=session, actor=actor, entity=reference)


def get(*, session: Session, request_id: str) -> DncRequest:
    """The request with this id or confirmation code; NotFound otherwise."""
    found = session.get(DncRequest, request_id)
    if found is None:
        found = session.scalar(
            select(DncRequest).where(DncRequest.confirmation_code == normalize_code(request_id))
        )
    if found is None:
        raise NotFound(f"no Do-Not-Call request {request_id!r}")
    return found


def find_by_code(*, session: Session, code: str) -> tuple[DncRequest, datetime] | None:
    """The request a confirmation or reference code leads to, with that code's receipt time."""
    wanted = normalize_code(code)
    if len(wanted) != CODE_LENGTH:
        return None
    request = session.scalar(select(DncRequest).where(DncRequest.confirmation_code == wanted))
    if request is not None:
        return request, request.received_at
    reference = session.scalar(select(DncReference).where(DncReference.code == wanted))
    if reference is None:
        return None
    target = session.get(DncRequest, reference.request_id)
    return (target, reference.received_at) if target is not None else None


def status_of(request: DncRequest, *, now: datetime) -> RequestStatus:
    """Met when honored by the deadline; open while unhonored and in time; overdue otherwise."""
    if request.honored_at is not None:
        return RequestStatus.MET if request.honored_in_time else RequestStatus.OVERDUE
    if now <= deadlines.deadline_end(request.deadline):
        return RequestStatus.OPEN
    return RequestStatus.OVERDUE


def _status_filter(status: RequestStatus, today: date) -> ColumnElement[bool]:
    if status is RequestStatus.MET:
        return DncRequest.honored_in_time.is_(True)
    if status is RequestStatus.OPEN:
        return and_(DncRequest.honored_at.is_(None), DncRequest.deadline >= today)
    return or_(
        DncRequest.honored_in_time.is_(False),
        and_(DncRequest.honored_at.is_(None), DncRequest.deadline < today),
    )


def list_requests(
    *,
    session: Session,
    seller: str | None = None,
    channel: str | None = None,
    phone: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    status: RequestStatus | None = None,
    limit: int = 100,
    offset: int = 0,
    now: datetime | None = None,
    seller_ids: frozenset[str] | None = None,
) -> tuple[list[DncRequest], int]:
    """Requests newest first, filtered, one page at a time; and how many match in all.

    `seller_ids` (a supervisor's sellers) keeps only those sellers' requests."""
    conditions: list[ColumnElement[bool]] = []
    if seller_ids is not None:
        conditions.append(DncRequest.seller_id.in_(sorted(seller_ids)))
    if seller:
        conditions.append(
            DncRequest.seller_id == peers.resolve_seller(session=session, ref=seller).id
        )
    if channel:
        conditions.append(DncRequest.channel == channel)
    if phone:
        conditions.append(DncRequest.phone == normalize(phone, field="phone"))
    if since is not None:
        conditions.append(DncRequest.received_at >= to_utc_second(since, field="from"))
    if until is not None:
        conditions.append(DncRequest.received_at <= to_utc_second(until, field="to"))
    if status is not None:
        today = (now or utcnow()).astimezone(deadlines.BUSINESS_ZONE).date()
        conditions.append(_status_filter(status, today))
    total = session.scalar(select(func.count()).select_from(DncRequest).where(*conditions)) or 0
    rows = session.scalars(
        select(DncRequest)
        .where(*conditions)
        .order_by(DncRequest.received_at.desc(), DncRequest.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total)


def to_out(
    request: DncRequest, *, now: datetime | None = None, created: bool = True
) -> DncRequestOut:
    """The API's view of a request, with its status as of `now`."""
    return DncRequestOut(
        id=request.id,
        confirmation_code=request.confirmation_code,
        seller_id=request.seller_id,
        seller=request.seller_slug,
        phone=request.phone,
        other_phones=(request.other_phones or "").split(),
        name=request.name,
        email=request.email,
        telemarketer_employee_id=request.telemarketer_employee_id,
        telemarketer_name=request.telemarketer_name,
        call_id=request.call_id,
        purpose=request.purpose,
        channel=request.channel,
        evidence=request.evidence,
        matched_wording=request.matched_wording,
        received_at=request.received_at,
        recorded_at=request.recorded_at,
        recorded_by=request.recorded_by,
        deadline=request.deadline,
        honored_at=request.honored_at,
        entity_entry_id=request.entity_entry_id,
        consent_revocation_ids=(request.revocation_ids or "").split(),
        status=status_of(request, now=now or utcnow()),
        retain_until=request.retain_until,
        created=created,
    )


def counts_by_status(
    *, session: Session, seller: str | None = None, now: datetime | None = None
) -> dict[RequestStatus, int]:
    """How many requests are met, open and overdue (for dashboards and reports)."""
    return {
        status: list_requests(session=session, seller=seller, status=status, limit=1, now=now)[1]
        for status in RequestStatus
    }
