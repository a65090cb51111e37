"""Email requests and the review queue.

An email that names exactly one number and clearly asks not to be contacted becomes a request;
any doubt (no number, several numbers, unclear wording) puts it in the review queue for a person,
who resolves it with a new record: a request for the number they confirm, or a dismissal.
"""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from callkeep.errors import Conflict, InvalidInput, NotFound
from callkeep.kit.clock import to_utc_second, utcnow
from callkeep.ledger import service as ledger
from callkeep.requests import intent, peers, service
from callkeep.requests.models import ReviewItem, ReviewResolution
from callkeep.requests.schemas import (
    Channel,
    DncRequestCreate,
    ImportSummary,
    ReviewItemOut,
)

_MAX_EVIDENCE_CHARS = 100_000


@dataclass(frozen=True)
class InboundEmail:
    """The parts of an email that matter for a request."""

    source: str
    sender: str
    subject: str
    body: str
    received_at: datetime | None
    raw: str


def _text_of(message: Message) -> str:
    if isinstance(message, EmailMessage):
        part = message.get_body(preferencelist=("plain", "html"))
        if part is not None and isinstance(part, EmailMessage):
            try:
                return str(part.get_content())
            except (LookupError, ValueError):
                pass
    payload = message.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload.decode("utf-8", errors="replace")
    return ""


def _date_of(message: Message) -> datetime | None:
    header = message.get("Date")
    if not header:
        return None
    try:
        moment = parsedate_to_datetime(str(header))
        return to_utc_second(moment) if moment.tzinfo is not None else None
    except (TypeError, ValueError, InvalidInput):
        return None


def read_email(message: Message, *, source: str) -> InboundEmail:
    """The sender, subject, text and date of one message."""
    raw = message.as_string()[:_MAX_EVIDENCE_CHARS]
    return InboundEmail(
        source=source,
        sender=str(message.get("From", "")),
        subject=str(message.get("Subject", "")),
        body=_text_of(message),
        received_at=_date_of(message),
        raw=raw,
    )


def iter_emails(path: Path) -> Iterator[InboundEmail]:
    """Every message in an `.eml` file, a folder of them, a Maildir or an mbox file."""
    parser = BytesParser(policy=policy.default)
    if path.is_dir():
        if (path / "cur").is_dir() or (path / "new").is_dir():
            box = mailbox.Maildir(str(path), factory=None, create=False)
            for key in sorted(box.keys()):
                data = box.get_bytes(key)
                yield read_email(parser.parsebytes(data), source=f"{path.name}/{key}")
            return
        for child in sorted(path.iterdir()):
            if child.suffix.lower() == ".eml":
                yield from iter_emails(child)
        return
    if not path.is_file():
        raise InvalidInput.for_field("path", f"{path} is neither a file nor a folder")
    with path.open("rb") as handle:
        head = handle.read(5)
    if head == b"From ":
        box_file = mailbox.mbox(str(path), create=False)
        for index, key in enumerate(box_file.keys()):
            data = box_file.get_bytes(key)
            yield read_email(parser.parsebytes(data), source=f"{path.name}#{index + 1}")
        return
    with path.open("rb") as handle:
        yield read_email(parser.parse(handle), source=path.name)


def _queue(
    *,
    session: Session,
    actor: str,
    email: InboundEmail,
    seller: peers.Seller,
    phones: list[str],
    reason: str,
) -> ReviewItem:
    item = ReviewItem(
        channel=Channel.EMAIL.value,
        seller_slug=seller.slug,
        source=email.source,
        evidence=email.raw,
        candidate_phones=" ".join(phones) or None,
        reason=reason,
        received_at=email.received_at or utcnow(),
        recorded_by=actor,
    )
    return ledger.record(session=session, actor=actor, entity=item)


def import_emails(
    *, session: Session, actor: str, path: Path, seller: str | None = None
) -> ImportSummary:
    """Reads emails at `path`: confident ones become requests, doubtful ones are queued."""
    target = peers.resolve_seller(session=session, ref=seller)
    messages = requests_made = repeats = queued = 0
    for email in iter_emails(path):
        messages += 1
        phones = intent.find_phones(email.subject + "\n" + email.body)
        wish = intent.match_email(email.subject, email.body)
        if not phones:
            reason = "no phone number found"
        elif len(phones) > 1:
            reason = "several phone numbers; which ones?"
        elif not wish.opt_out:
            reason = "unclear whether it asks not to be called"
        else:
            result = service.record_request(
                session=session,
                actor=actor,
                request_in=DncRequestCreate(
                    phone=phones[0],
                    seller=target.slug,
                    channel=Channel.EMAIL,
                    name=parseaddr(email.sender)[0] or None,
                    email=parseaddr(email.sender)[1] or None,
                    evidence=email.raw,
                    matched_wording=wish.matched,
                    received_at=email.received_at,
                ),
            )
            requests_made += int(result.created)
            repeats += int(not result.created)
            continue
        _queue(
            session=session, actor=actor, email=email, seller=target, phones=phones, reason=reason
        )
        queued += 1
    return ImportSummary(messages=messages, requests=requests_made, repeats=repeats, queued=queued)


def _resolution_of(session: Session, item_id: str) -> ReviewResolution | None:
    return session.scalar(
        select(ReviewResolution).where(ReviewResolution.review_item_id == item_id)
    )


def item_out(*, session: Session, item: ReviewItem) -> ReviewItemOut:
    """The queue's view of one item, with its resolution if any."""
    resolution = _resolution_of(session, item.id)
    return ReviewItemOut(
        id=item.id,
        channel=item.channel,
        seller=item.seller_slug,
        source=item.source,
        evidence=item.evidence,
        candidate_phones=(item.candidate_phones or "").split(),
        reason=item.reason,
        received_at=item.received_at,
        recorded_at=item.recorded_at,
        resolution=resolution.outcome if resolution is not None else None,
        request_id=resolution.request_id if resolution is not None else None,
    )


def list_items(*, session: Session, include_resolved: bool = False) -> list[ReviewItemOut]:
    """The review queue, oldest first; resolved items only when asked."""
    items = session.scalars(select(ReviewItem).order_by(ReviewItem.recorded_at, ReviewItem.id))
    shown = [item_out(session=session, item=item) for item in items]
    return [i for i in shown if include_resolved or i.resolution is None]


def resolve(
    *,
    session: Session,
    actor: str,
    item_id: str,
    phone: str | None = None,
    dismiss: bool = False,
    note: str | None = None,
) -> ReviewItemOut:
    """Resolves a queued item once: records a request for `phone`, or dismisses it."""
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise NotFound(f"no review item {item_id!r}")
    if _resolution_of(session, item_id) is not None:
        raise Conflict(f"review item {item_id} is already resolved")
    if dismiss == (phone is not None and phone.strip() != ""):
        raise InvalidInput.for_field("phone", "give either a phone number or dismiss, not both")
    request_id: str | None = None
    if not dismiss:
        assert phone is not None
        result = service.record_request(
            session=session,
            actor=actor,
            request_in=DncRequestCreate(
                phone=phone,
                seller=item.seller_slug,
                channel=Channel(item.channel),
                evidence=item.evidence,
                received_at=item.received_at,
            ),
        )
        request_id = result.request.id
    resolution = ReviewResolution(
        review_item_id=item.id,
        outcome="dismissed" if dismiss else "request",
        request_id=request_id,
        note=note,
        recorded_by=actor,
    )
    ledger.record(session=session, actor=actor, entity=resolution)
    return item_out(session=session, item=item)
