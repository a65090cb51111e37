"""Creating and checking users and API tokens."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from callkeep.auth.models import (
    ApiToken,
    CredentialRevocation,
    StaffSession,
    SupervisorScope,
    TokenSellerScope,
    TokenUse,
    User,
    UserRemoval,
)
from callkeep.auth.roles import USER_ROLES, Role
from callkeep.auth.schemas import Principal
from callkeep.errors import AuthenticationRequired, Conflict, InvalidInput, NotFound
from callkeep.kit.clock import utcnow
from callkeep.kit.db import Database, WriterBusy
from callkeep.ledger import service as ledger

_hasher = PasswordHasher()


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise InvalidInput.for_field("role", f"unknown role {value!r}; one of {choices}") from None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    *,
    session: Session,
    actor: str,
    name: str,
    role: str,
    user_id: str | None = None,
    seller: str | None = None,
) -> tuple[ApiToken, str]:
    """Creates a token; returns the record and the secret, which is shown once and never stored.

    With `seller` (a slug or id) the token is held to that seller: see `auth/seller_scope.py`."""
    from callkeep.records import service as records  # the seller's id and slug, checked first

    held = records.seller_view(session=session, ref=seller.strip()) if seller else None
    secret = "ck_" + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        role=_role(role).value,
        token_hash=token_digest(secret),
        user_id=user_id,
        recorded_by=actor,
    )
    ledger.record(session=session, actor=actor, entity=token)
    if held is not None:
        scope = TokenSellerScope(
            token_id=token.id,
            seller_id=str(held["id"]),
            seller_slug=str(held["slug"]),
            recorded_by=actor,
        )
        ledger.record(session=session, actor=actor, entity=scope)
    return token, secret


def seller_scopes(*, session: Session) -> dict[str, TokenSellerScope]:
    """Every token's seller scope, by token id (a token without one is absent)."""
    return {s.token_id: s for s in session.scalars(select(TokenSellerScope))}


def revoke_token(*, session: Session, actor: str, token_id: str, reason: str = "") -> None:
    if session.get(ApiToken, token_id) is None:
        raise NotFound(f"no token {token_id}")
    ledger.record(
        session=session,
        actor=actor,
        entity=CredentialRevocation(token_id=token_id, reason=reason, recorded_by=actor),
    )
    forget_cached_tokens()


_TOKEN_TTL = 10.0  # seconds a verified token is trusted before it is looked up again
_token_cache: dict[str, tuple[float, Principal]] = {}
_cache_lock = threading.Lock()


def forget_cached_tokens() -> None:
    """Drops this process's cache of verified tokens (after a revocation)."""
    with _cache_lock:
        _token_cache.clear()


def known_token(secret: str) -> Principal | None:
    """The principal of a token verified in the last `_TOKEN_TTL` seconds by this process, or
    None: a dictionary look-up, never the database."""
    with _cache_lock:
        hit = _token_cache.get(token_digest(secret))
    if hit is not None and time.monotonic() - hit[0] < _TOKEN_TTL:
        return hit[1]
    return None


async def authenticate_token_soon(*, db: Database, secret: str) -> Principal:
    """`authenticate_token_cached` for the event loop: a known token is a dictionary look-up
    there; an unknown one is read from the database on a worker thread, so that a stranger's
    token never holds up the loop's other requests."""
    known = known_token(secret)
    if known is not None:
        return known
    return await run_in_threadpool(authenticate_token_cached, db=db, secret=secret)


def authenticate_token_cached(*, db: Database, secret: str) -> Principal:
    """`authenticate_token`, remembered for a few seconds per process.

    A token revoked on this server is refused at once; on other servers of the same database
    within `_TOKEN_TTL` seconds.
    """
    known = known_token(secret)
    if known is not None:
        return known
    key = token_digest(secret)
    now = time.monotonic()
    with db.transaction(read_only=True) as session:
        principal = authenticate_token(session=session, secret=secret)
    _note_use(db=db, digest=key)
    with _cache_lock:
        if len(_token_cache) > 10_000:
            _token_cache.clear()
        _token_cache[key] = (now, principal)
    return principal


def authenticate_token(*, session: Session, secret: str) -> Principal:
    """The principal behind a bearer token; unknown or revoked tokens are refused."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(secret)))
    if token is None:
        raise AuthenticationRequired("unknown API token")
    revoked = session.scalar(
        select(CredentialRevocation.id).where(CredentialRevocation.token_id == token.id).limit(1)
    )
    if revoked is not None:
        raise AuthenticationRequired("this API token was revoked")
    if token.user_id is not None and is_removed(session=session, user_id=token.user_id):
        raise AuthenticationRequired("this API token's user was removed")
    held = session.scalar(select(TokenSellerScope).where(TokenSellerScope.token_id == token.id))
    return Principal(
        actor=f"token:{token.name}",
        role=Role(token.role),
        name=token.name,
        seller_id=held.seller_id if held else None,
        seller_slug=held.seller_slug if held else None,
        user_id=token.user_id,
    )


def create_user(*, session: Session, actor: str, username: str, role: str, password: str) -> User:
    """Creates a staff user with an argon2id password hash."""
    if _role(role) not in USER_ROLES:
        raise InvalidInput.for_field("role", f"{role!r} is for API tokens only, not for people")
    if (
        not username
        or len(username) > 80
        or not username.replace("-", "").replace(".", "").replace("_", "").isalnum()
    ):
        raise InvalidInput.for_field(
            "username", "1 to 80 letters, digits, dots, dashes or underscores"
        )
    if len(password) < 12:
        raise InvalidInput.for_field("password", "must be at least 12 characters")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} exists already")
    user = User(
        username=username,
        role=_role(role).value,
        password_hash=_hasher.hash(password),
        recorded_by=actor,
    )
    return ledger.record(session=session, actor=actor, entity=user)


def current_password_hash(*, session: Session, user: User) -> str:
    """The user's password hash in force: the newest reset, else the original."""
    latest = session.scalar(
        select(CredentialRevocation.password_hash)
        .where(
            CredentialRevocation.user_id == user.id,
            CredentialRevocation.password_hash.is_not(None),
        )
        .order_by(CredentialRevocation.recorded_at.desc(), CredentialRevocation.id.desc())
        .limit(1)
    )
    return latest or user.password_hash


def reset_password(*, session: Session, actor: str, username: str, password: str) -> User:
    """Gives `username` a new password, recorded as a new credential record."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username!r}")
    if len(password) < 12:
        raise InvalidInput.for_field("password", "must be at least 12 characters")
    ledger.record(
        session=session,
        actor=actor,
        entity=CredentialRevocation(
            user_id=user.id,
            password_hash=_hasher.hash(password),
            reason="password reset",
            recorded_by=actor,
        ),
    )
    end_sessions(session=session, user_id=user.id)
    return user


def authenticate_password(*, session: Session, username: str, password: str) -> Principal:
    """The principal for a username and password; a wrong pair is refused without saying which."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or is_removed(session=session, user_id=user.id):
        _hasher.hash(password)  # same work either way, so timing does not reveal usernames
        raise AuthenticationRequired("wrong username or password")
    try:
        _hasher.verify(current_password_hash(session=session, user=user), password)
    except (VerificationError, InvalidHashError):
        raise AuthenticationRequired("wrong username or password") from None
    return principal_of(user)


def principal_of(user: User) -> Principal:
    return Principal(
        actor=f"user:{user.username}", role=Role(user.role), name=user.username, user_id=user.id
    )


def get_user(*, session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or is_removed(session=session, user_id=user.id):
        raise NotFound(f"no user {username!r}")
    return user


def is_removed(*, session: Session, user_id: str) -> bool:
    found = session.scalar(select(UserRemoval.id).where(UserRemoval.user_id == user_id).limit(1))
    return found is not None


def remove_user(*, session: Session, actor: str, username: str, reason: str = "") -> None:
    """Ends a user's access from now on: sessions end and their tokens are refused at once
    on this server (within `_TOKEN_TTL` seconds on other servers)."""
    user = get_user(session=session, username=username)
    ledger.record(
        session=session,
        actor=actor,
        entity=UserRemoval(user_id=user.id, reason=reason[:200], recorded_by=actor),
    )
    end_sessions(session=session, user_id=user.id)
    forget_cached_tokens()


def end_sessions(*, session: Session, user_id: str) -> None:
    """Ends every open staff session of a user (on a password change or removal)."""
    now = utcnow()
    for row in session.scalars(
        select(StaffSession).where(StaffSession.user_id == user_id, StaffSession.ended_at.is_(None))
    ):
        row.ended_at = now
    session.flush()


def assign_scope(
    *, session: Session, actor: str, username: str, seller_id: str, campaign_id: str | None
) -> SupervisorScope:
    """Lets a supervisor see one seller's (or one campaign's) records, or an agent work the
    contacts that seller (or campaign) has called."""
    user = get_user(session=session, username=username)
    if user.role not in (Role.SUPERVISOR, Role.AGENT):
        raise InvalidInput.for_field("username", f"{username!r} is not a supervisor or an agent")
    scope = SupervisorScope(
        user_id=user.id, seller_id=seller_id, campaign_id=campaign_id, recorded_by=actor
    )
    return ledger.record(session=session, actor=actor, entity=scope)


def scopes_of(*, session: Session, user_id: str) -> list[SupervisorScope]:
    return list(session.scalars(select(SupervisorScope).where(SupervisorScope.user_id == user_id)))


def list_users(*, session: Session) -> list[tuple[User, bool]]:
    """Every user, oldest first, with whether they were removed."""
    removed = set(session.scalars(select(UserRemoval.user_id)))
    users = session.scalars(select(User).order_by(User.recorded_at, User.id))
    return [(u, u.id in removed) for u in users]


def list_tokens(*, session: Session) -> list[tuple[ApiToken, bool, TokenUse | None]]:
    """Every token, newest first, with whether it is revoked and when it was last used."""
    revoked = set(
        session.scalars(
            select(CredentialRevocation.token_id).where(CredentialRevocation.token_id.is_not(None))
        )
    )
    uses = {u.token_id: u for u in session.scalars(select(TokenUse))}
    tokens = session.scalars(select(ApiToken).order_by(ApiToken.recorded_at.desc(), ApiToken.id))
    return [(t, t.id in revoked, uses.get(t.id)) for t in tokens]


_USE_RESOLUTION = 60.0  # seconds: a token's last use is kept to the minute
_last_noted: dict[str, float] = {}


def _note_use(*, db: Database, digest: str) -> None:
    """Records when a token was used, at most once a minute per token and process."""
    now = time.monotonic()
    if now - _last_noted.get(digest, -_USE_RESOLUTION) < _USE_RESOLUTION:
        return
    _last_noted[digest] = now
    try:
        with db.transaction(wait=False) as session:
            token_id = session.scalar(select(ApiToken.id).where(ApiToken.token_hash == digest))
            if token_id is None:
                return
            use = session.get(TokenUse, token_id)
            if use is None:
                session.add(TokenUse(token_id=token_id, last_used_at=utcnow()))
            else:
                use.last_used_at = utcnow()
    except WriterBusy:  # a busy writer must never delay or refuse a valid token; next time
        _last_noted.pop(digest, None)
