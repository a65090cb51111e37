"""Signing in: the password check, the lockout and the access log of every try.

After `MAX_FAILURES` failed tries for one username, or from one address, within `WINDOW`,
further tries are refused (429) until the oldest of them is older than `WINDOW`, even with the
right password. Usernames and addresses are kept only as keyed digests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from callkeep.auth import service
from callkeep.auth.models import AccessRecord, SignInAttempt
from callkeep.errors import AuthenticationRequired
from callkeep.kit.clock import utcnow
from callkeep.kit.crypto import keyring
from callkeep.ledger import service as ledger

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
SIGN_IN_ACTOR = "public:sign-in"


@dataclass(frozen=True)
class SignInResult:
    """What a try came to: `user_id` when it succeeded, `locked` when it was not even tried."""

    user_id: str | None = None
    locked: bool = False


def _key(kind: str, text: str) -> str:
    return keyring().blind_index(f"sign-in:{kind}:{text}")


def address_tag(address: str) -> str:
    """A short keyed digest of an address, for the access log (the address is not kept)."""
    return _key("address", address)[:12]


def locked_out(*, session: Session, username: str, address: str) -> bool:
    """Whether this username or this address has used up its failed tries."""
    since = utcnow() - WINDOW
    recent = (SignInAttempt.at > since, SignInAttempt.succeeded.is_(False))
    for column, key in (
        (SignInAttempt.username_key, _key("user", username.casefold())),
        (SignInAttempt.address_key, _key("address", address)),
    ):
        count = session.scalar(select(func.count()).where(column == key, *recent))
        if int(count or 0) >= MAX_FAILURES:
            return True
    return False


def log_event(*, session: Session, actor: str, event: str, username: str, address: str) -> None:
    """An access-log entry: `sign_in`, `sign_in_failed`, `sign_in_locked` or `sign_out`."""
    record = AccessRecord(
        entity_type=event,
        entity_id=username[:80],
        via=f"web, address {address_tag(address)}",
        recorded_by=actor,
    )
    ledger.record(session=session, actor=actor, entity=record)


def sign_in(*, session: Session, username: str, password: str, address: str) -> SignInResult:
    """Checks a username and password, counting the try and logging it either way."""
    username = username.strip()[:200]
    if locked_out(session=session, username=username, address=address):
        log_event(
            session=session,
            actor=SIGN_IN_ACTOR,
            event="sign_in_locked",
            username=username,
            address=address,
        )
        return SignInResult(locked=True)
    try:
        principal = service.authenticate_password(
            session=session, username=username, password=password
        )
    except AuthenticationRequired:
        principal = None
    now = utcnow()
    session.execute(delete(SignInAttempt).where(SignInAttempt.at < now - WINDOW * 4))
    session.add(
        SignInAttempt(
            username_key=_key("user", username.casefold()),
            address_key=_key("address", address),
            at=now,
            succeeded=principal is not None,
        )
    )
    if principal is None:
        log_event(
            session=session,
            actor=SIGN_IN_ACTOR,
            event="sign_in_failed",
            username=username,
            address=address,
        )
        return SignInResult()
    user = service.get_user(session=session, username=username)
    log_event(
        session=session, actor=principal.actor, event="sign_in", username=username, address=address
    )
    return SignInResult(user_id=user.id)
