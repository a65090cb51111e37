"""Staff users and API tokens; both are ledgered records, revoked by new records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callkeep.kit.db import Base, UTCDateTime
from callkeep.ledger.models import Recorded


class User(Recorded):
    """A person who signs in to the staff app."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))


class ApiToken(Recorded):
    """A bearer token for a machine client (a dialer) or a script; only its hash is stored."""

    __tablename__ = "api_tokens"

    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)


class CredentialRevocation(Recorded):
    """Ends a token, or a user's password, from the moment it is recorded."""

    __tablename__ = "credential_revocations"

    token_id: Mapped[str | None] = mapped_column(ForeignKey("api_tokens.id"), default=None)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    reason: Mapped[str] = mapped_column(String(200), default="")


class AccessRecord(Recorded):
    """Someone read personal data: who (recorded_by), which record, when (recorded_at)."""

    __tablename__ = "pii_access_records"

    entity_type: Mapped[str] = mapped_column(String(80))
    entity_id: Mapped[str] = mapped_column(String(200))
    via: Mapped[str] = mapped_column(String(200))


class UserRemoval(Recorded):
    """Ends a user's access from the moment it is recorded: sessions and the user's tokens."""

    __tablename__ = "user_removals"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")


class SupervisorScope(Recorded):
    """A seller (or one of its campaigns) whose records a supervisor may see."""

    __tablename__ = "supervisor_scopes"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    seller_id: Mapped[str] = mapped_column(String(26))
    campaign_id: Mapped[str | None] = mapped_column(String(26), default=None)


class StaffSession(Base):
    """A signed-in browser (plumbing, not evidence: sign-ins themselves are in the access log).

    The cookie holds a random secret; the table holds only its SHA-256.
    """

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(26), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class SignInAttempt(Base):
    """One try at signing in, kept for the lockout; username and address as keyed digests."""

    __tablename__ = "sign_in_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username_key: Mapped[str] = mapped_column(String(64), index=True)
    address_key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)


class TokenUse(Base):
    """When a token was last used (to the minute; plumbing, updated in place)."""

    __tablename__ = "api_token_uses"

    token_id: Mapped[str] = mapped_column(String(26), primary_key=True)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TokenSellerScope(Recorded):
    """Holds an API token to one seller: it checks, records and reads for that seller only."""

    __tablename__ = "api_token_seller_scopes"

    token_id: Mapped[str] = mapped_column(ForeignKey("api_tokens.id"), unique=True)
    seller_id: Mapped[str] = mapped_column(String(26))
    seller_slug: Mapped[str] = mapped_column(String(80))
