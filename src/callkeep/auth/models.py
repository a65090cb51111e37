"""Staff users and API tokens; both are ledgered records, revoked by new records."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

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
