"""Who is acting, as the HTTP and CLI edges see it."""

from __future__ import annotations

from dataclasses import dataclass

from callkeep.auth.roles import Role


@dataclass(frozen=True)
class Principal:
    """The authenticated actor behind a request or command."""

    actor: str  # as written to the ledger, e.g. "token:dialer-1" or "user:alice"
    role: Role
    name: str
    # A token held to one seller (`callkeep token create --seller`): its id and slug.
    seller_id: str | None = None
    seller_slug: str | None = None
    # The staff user behind a session, or behind a token created for a user.
    user_id: str | None = None
