"""Authentication and roles on the HTTP edge: `Depends(require(...))` on every staff endpoint,
`await admit_soon(request, roles)` in an `async def` endpoint that admits its caller itself."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from fastapi import Request

from callkeep.auth import permissions, service
from callkeep.auth.roles import Role
from callkeep.auth.schemas import Principal
from callkeep.auth.seller_scope import refuse_scoped
from callkeep.errors import AuthenticationRequired, PermissionDenied
from callkeep.kit.http import runtime


def require(
    roles: Iterable[Role], *, seller_scoped: bool = False
) -> Callable[[Request], Principal]:
    """A dependency that admits a bearer token (or staff session) holding one of `roles`.

    It is a plain function, so FastAPI runs it on a worker thread, and it refuses a request
    before its body is validated. A token held to one seller is refused unless
    `seller_scoped` (the endpoint then holds it to its seller, `auth/seller_scope.py`)."""
    allowed = frozenset(roles)

    def dependency(request: Request) -> Principal:
        return admit(request, allowed, seller_scoped=seller_scoped)

    return permissions.declare(dependency, permissions.Rule(roles=allowed, via="token"))


def admit(request: Request, roles: Iterable[Role], *, seller_scoped: bool = False) -> Principal:
    """The request's principal if it holds one of `roles`; else 401 or 403. For code off the
    event loop (an unknown token is read from the database here)."""
    return _holding(authenticate(request), roles, seller_scoped)


async def admit_soon(
    request: Request, roles: Iterable[Role], *, seller_scoped: bool = False
) -> Principal:
    """`admit` on the event loop: a known token costs a dictionary look-up, an unknown one is
    read from the database on a worker thread."""
    principal = await service.authenticate_token_soon(
        db=runtime(request).db, secret=_bearer_secret(request)
    )
    return _holding(principal, roles, seller_scoped)


def authenticate(request: Request) -> Principal:
    """The principal of a request's bearer token; or 401.

    The API takes bearer tokens only: a browser's session cookie admits it to pages, never to
    the API, so no cross-site form can act through the API with a signed-in user's cookie.
    """
    return service.authenticate_token_cached(db=runtime(request).db, secret=_bearer_secret(request))


def _bearer_secret(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        return secret.strip()
    raise AuthenticationRequired(
        "send 'Authorization: Bearer <token>' (see 'callkeep token create')"
    )


def _holding(principal: Principal, roles: Iterable[Role], seller_scoped: bool) -> Principal:
    if principal.role not in roles:
        raise PermissionDenied(f"role {principal.role.value!r} may not do this")
    if not seller_scoped:
        refuse_scoped(principal)
    return principal
