"""The public Do-Not-Call page's logic: a submission becomes a request, a code shows its status.

Privacy: every submission gets its own code. When the number is already on the seller's list,
the submitter gets a new reference code that leads to the same request, so the page never
says whether a number was registered before, and never shows anyone else's code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from callkeep.errors import InvalidInput
from callkeep.kit.clock import utcnow
from callkeep.phone.parse import try_normalize
from callkeep.requests import peers, service
from callkeep.requests.schemas import Channel, DncRequestCreate, RequestStatus

PUBLIC_ACTOR = "public:web"
MAX_LENGTHS = {"phone": 40, "name": 200, "email": 320}


@dataclass
class Submission:
    """What the form sent."""

    phone: str = ""
    name: str = ""
    email: str = ""


@dataclass
class Outcome:
    """A submission's result: the errors to show, or the receipt."""

    errors: dict[str, str] = field(default_factory=dict)
    code: str = ""
    received_at: datetime | None = None
    masked_from: str = ""


def validate(submission: Submission) -> tuple[str | None, dict[str, str]]:
    """The number in E.164 and the problems in plain words, per field."""
    errors: dict[str, str] = {}
    for name, limit in MAX_LENGTHS.items():
        if len(getattr(submission, name)) > limit:
            errors[name] = f"This is too long. Use at most {limit} characters."
    phone: str | None = None
    if "phone" not in errors:
        if not submission.phone.strip():
            errors["phone"] = "Enter the phone number we should stop calling."
        else:
            phone = try_normalize(submission.phone)
            if phone is None:
                errors["phone"] = (
                    "Enter a phone number we can recognise, like 207-555-0123, with its area code."
                )
    email = submission.email.strip()
    if "email" not in errors and email and ("@" not in email or " " in email):
        errors["email"] = "Enter an email address like name@example.com, or leave it empty."
    return phone, errors


def submit(*, session: Session, seller_ref: str | None, submission: Submission) -> Outcome:
    """Records the request (or a new reference to the existing one) and returns the receipt."""
    phone, errors = validate(submission)
    if errors or phone is None:
        return Outcome(errors=errors)
    now = utcnow()
    try:
        result = service.record_request(
            session=session,
            actor=PUBLIC_ACTOR,
            request_in=DncRequestCreate(
                phone=phone,
                seller=seller_ref,
                channel=Channel.WEB,
                name=submission.name or None,
                email=submission.email or None,
                received_at=now,
            ),
        )
    except InvalidInput as exc:
        problem = exc.fields[0] if exc.fields else None
        return Outcome(errors={"phone": problem.message if problem else exc.message})
    code = result.request.confirmation_code
    if not result.created:
        code = service.add_reference(
            session=session,
            actor=PUBLIC_ACTOR,
            request=result.request,
            channel=Channel.WEB.value,
            received_at=now,
        ).code
    return Outcome(code=code, received_at=now, masked_from=phone)


@dataclass(frozen=True)
class Lookup:
    """What a code shows: only its own request, in plain words."""

    received_at: datetime
    seller_name: str
    phone: str
    status_text: str


STATUS_TEXT = {
    RequestStatus.MET: "Done. Your number is on our do-not-call list and we do not call it.",
    RequestStatus.OPEN: "Received. We are adding your number to our do-not-call list.",
    RequestStatus.OVERDUE: "Received, and late. We are adding your number to our list now.",
}


def lookup(*, session: Session, code: str) -> Lookup | None:
    """The request a code leads to, or None (the same for every unknown code)."""
    found = service.find_by_code(session=session, code=code)
    if found is None:
        return None
    request, received_at = found
    seller = seller_name(session=session, ref=request.seller_slug)
    status = service.status_of(request, now=utcnow())
    return Lookup(
        received_at=received_at,
        seller_name=seller,
        phone=request.phone,
        status_text=STATUS_TEXT[status],
    )


def seller_name(*, session: Session, ref: str | None) -> str:
    """The seller's name for the page; InvalidInput when the page names no known seller."""
    return peers.resolve_seller(session=session, ref=ref).name
