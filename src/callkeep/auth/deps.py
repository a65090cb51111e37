"""Authentication and roles on the HTTP edge: `Depends(require(...))` on every staff endpoint."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from fastapi import Request

from callkeep.auth import permissions, service
from callkeep.auth.roles import Role
from callkeep.auth.schemas import Principal
from callkeep.errors import AuthenticationRequired, PermissionDenied
from callkeep.kit.http import runtime


def require(roles: Iterable[Role]) -> Callable[[Request], Principal]:
    """A dependency that admits a bearer token (or staff session) holding one of `roles`."""
    allowed = frozenset(roles)

    def dependency(request: Request) -> Principal:
        return admit(request, allowed)

    return permissions.declare(dependency, permissions.Rule(roles=allowed, via="token"))


def require_inline(roles: Iterable[Role]) -> Callable[[Request], Awaitable[Principal]]:
    """As `require`, for the hot endpoints: an async dependency, run on the event loop.

    A known token costs a dictionary look-up; an unknown one is read once from the database.
    Like `require`, it refuses a request before its body is even validated.
    """
    allowed = frozenset(roles)

    async def dependency(request: Request) -> Principal:
        return admit(request, allowed)

    return permissions.declare(dependency, permissions.Rule(roles=allowed, via="token"))


def admit(request: Request, roles: Iterable[Role]) -> Principal:
    """The request's principal if it holds one of `roles`; else 401 or 403.

    For `async def` endpoints, which call it inline: a known token costs a dictionary look-up.
    """
    principal = authenticate(request)
    if principal.role not in roles:
        raise PermissionDenied(f"role {principal.role.value!r} may not do this")
    return principal


def authenticate(request: Request) -> Principal:
    """The principal of a request's bearer token; or 401.

    The API takes bearer tokens only: a browser's session cookie admits it to pages, never to
    the API, so no cross-site form can act through the API with a signed-in user's cookie.
    """
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        return service.authenticate_token_cached(db=runtime(request).db, secret=secret.strip())
    raise AuthenticationRequired(
        "send 'Authorization: Bearer <token>' (see 'callkeep token create')"
    )
