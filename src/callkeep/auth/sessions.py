"""Staff sessions: a random secret in an HttpOnly cookie, its SHA-256 in the database.

A session ends when its user signs out, changes password or is removed, and when it has been
idle for `IDLE` (checked on every page, so the same server and every other one refuse it at
once: sessions are read from the database, never cached).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from callkeep.auth import service
from callkeep.auth.models import StaffSession, SupervisorScope, User
from callkeep.auth.schemas import Principal
from callkeep.kit.clock import utcnow
from callkeep.kit.crypto import keyring

COOKIE = "callkeep_session"
IDLE = timedelta(minutes=30)
_TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is kept to the minute


@dataclass(frozen=True)
class StaffUser:
    """The signed-in person behind a page request."""

    principal: Principal
    user_id: str
    session_id: str
    # Supervisors: the sellers and campaigns assigned to them (empty: none yet).
    seller_ids: frozenset[str]
    campaign_ids: frozenset[str]

    @property
    def csrf(self) -> str:
        """The form token bound to this session."""
        return csrf_for(self.session_id)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def csrf_for(session_id: str) -> str:
    key = keyring().derived("staff-csrf")
    return hmac.new(key, session_id.encode(), hashlib.sha256).hexdigest()[:40]


def csrf_valid(user: StaffUser, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(user.csrf, str(token))


def start(*, session: Session, user_id: str) -> str:
    """Opens a session for `user_id`; returns the cookie's secret (stored only as a digest)."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(StaffSession(id=_digest(secret), user_id=user_id, started_at=now, last_seen_at=now))
    session.flush()
    return secret


def end(*, session: Session, secret: str) -> str | None:
    """Ends the session behind `secret`; returns its user's name, if it was open."""
    row = session.get(StaffSession, _digest(secret))
    if row is None or row.ended_at is not None:
        return None
    row.ended_at = utcnow()
    user = session.get(User, row.user_id)
    session.flush()
    return user.username if user else None


def resume(*, session: Session, secret: str | None) -> StaffUser | None:
    """The signed-in user behind a cookie, or None if it is unknown, ended, idle or removed.

    Touches the session (at most once a minute), so `session` must be writable.
    """
    if not secret or len(secret) > 100:
        return None
    row = session.get(StaffSession, _digest(secret))
    now = utcnow()
    if row is None or row.ended_at is not None:
        return None
    if now - row.last_seen_at > IDLE:
        row.ended_at = row.last_seen_at + IDLE
        return None
    user = session.get(User, row.user_id)
    if user is None or service.is_removed(session=session, user_id=user.id):
        row.ended_at = now
        return None
    if now - row.last_seen_at >= _TOUCH_EVERY:
        row.last_seen_at = now
    scopes = list(
        session.scalars(select(SupervisorScope).where(SupervisorScope.user_id == user.id))
    )
    return StaffUser(
        principal=service.principal_of(user),
        user_id=user.id,
        session_id=row.id,
        seller_ids=frozenset(s.seller_id for s in scopes if s.campaign_id is None),
        campaign_ids=frozenset(s.campaign_id for s in scopes if s.campaign_id),
    )
