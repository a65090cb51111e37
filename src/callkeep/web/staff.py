"""The staff app's plumbing: signed-in pages, their rules, forms with CSRF, and its errors.

Every staff page declares who may see it with `Depends(page(roles))` (or `form(roles)` for a
POST, which also checks the CSRF token). Signed out, a page answers 303 to `/login`; a role
that may not see it gets the 403 page; a form without a valid token answers 403 and changes
nothing. Pages take the session cookie only, never a bearer token.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.datastructures import FormData

from callkeep.auth import permissions, sessions
from callkeep.auth.roles import Role
from callkeep.auth.sessions import StaffUser
from callkeep.errors import CallkeepError
from callkeep.kit.http import runtime
from callkeep.web.templating import render

MAX_FORM_BYTES = 64 * 1024


class SignInNeeded(Exception):
    """No open session: the browser goes to the sign-in page."""


class PageRefused(Exception):
    """A signed-in user asked for a page or form their role may not use (or a forged form)."""

    def __init__(self, user: StaffUser | None, message: str) -> None:
        super().__init__(message)
        self.user = user
        self.message = message


def _sign_in_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = "/login" if target == "/" else f"/login?next={quote(target, safe='')}"
    return Response(status_code=303, headers={"Location": location, "Cache-Control": "no-store"})


def refused_page(user: StaffUser | None, message: str, status_code: int = 403) -> Response:
    return render(
        "staff/refused.html",
        status_code=status_code,
        title="You may not see this page" if status_code == 403 else "Something is wrong",
        user=user,
        csrf=user.csrf if user else "",
        nav=navigation(user.principal.role) if user else [],
        message=message,
    )


class StaffRoute(APIRoute):
    """A route whose page errors are pages: sign-in redirects, 403, and domain errors."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInNeeded:
                return _sign_in_redirect(request)
            except PageRefused as refused:
                return refused_page(refused.user, refused.message)
            except CallkeepError as error:
                user = getattr(request.state, "staff_user", None)
                return refused_page(user, error.message, status_code=error.status_code)

        return handle


def current_user(request: Request) -> StaffUser | None:
    """The signed-in user of this request (read from the database, touching the session)."""
    cached: StaffUser | None = getattr(request.state, "staff_user", None)
    if cached is not None:
        return cached
    secret = request.cookies.get(sessions.COOKIE)
    if not secret:
        return None
    with runtime(request).db.transaction() as session:
        user = sessions.resume(session=session, secret=secret)
    request.state.staff_user = user
    return user


def page(roles: Iterable[Role]) -> Callable[[Request], StaffUser]:
    """A dependency admitting a signed-in user whose role is one of `roles`."""
    allowed = frozenset(roles) - {Role.DIALER}

    def dependency(request: Request) -> StaffUser:
        user = current_user(request)
        if user is None:
            raise SignInNeeded
        if user.principal.role not in allowed:
            raise PageRefused(
                user, f"Your role ({user.principal.role.value}) may not see this page."
            )
        return user

    return permissions.declare(dependency, permissions.Rule(roles=allowed, via="session"))


def form(roles: Iterable[Role]) -> Callable[[Request], Awaitable[StaffUser]]:
    """As `page`, for a POST: also refuses a form whose CSRF token is not this session's."""
    check = page(roles)

    async def dependency(request: Request) -> StaffUser:
        user = check(request)
        fields = await form_fields(request)
        if not sessions.csrf_valid(user, str(fields.get("csrf", ""))):
            raise PageRefused(
                user, "This form had expired or did not come from callkeep. Nothing was changed."
            )
        return user

    rule = getattr(check, permissions.ATTRIBUTE)
    return permissions.declare(dependency, rule)


async def form_fields(request: Request) -> FormData:
    """The posted form, read once per request (small forms; uploads are read by their route)."""
    cached: FormData | None = getattr(request.state, "form_fields", None)
    if cached is not None:
        return cached
    declared = request.headers.get("content-length", "")
    ctype = request.headers.get("content-type", "")
    limit = (
        MAX_FORM_BYTES
        if "multipart" not in ctype
        else request.app.state.runtime.settings.max_upload_bytes
    )
    if declared.isdigit() and int(declared) > limit:
        raise PageRefused(None, "The form was too large.")
    fields = await request.form(max_part_size=limit)
    request.state.form_fields = fields
    return fields


def staff_page(
    template: str, *, user: StaffUser, title: str, status_code: int = 200, **context: Any
) -> Response:
    """A staff page: the layout's navigation for this user's role, and the form token."""
    return render(
        template,
        status_code=status_code,
        title=title,
        user=user,
        csrf=user.csrf,
        nav=navigation(user.principal.role),
        **context,
    )


def redirect(location: str) -> Response:
    return Response(status_code=303, headers={"Location": location, "Cache-Control": "no-store"})


# The navigation: (path, label, roles that may see it). A page's own rule is its `page(...)`;
# the test walks both and fails if a link is shown to a role the page refuses.
NAV: list[tuple[str, str, frozenset[Role]]] = []


def nav_entry(path: str, label: str, roles: Iterable[Role]) -> frozenset[Role]:
    """Adds a navigation link and returns the roles, for the page's `page(...)` rule."""
    allowed = frozenset(roles) - {Role.DIALER}
    NAV.append((path, label, allowed))
    return allowed


# The order of the links, whatever order the page modules are imported in.
NAV_ORDER = (
    "/",
    "/contacts",
    "/calls",
    "/campaigns",
    "/check",
    "/dnc-requests",
    "/lists",
    "/scrubs",
    "/trends",
    "/reports",
    "/audit",
    "/access-log",
    "/users",
    "/tokens",
)


def navigation(role: Role) -> list[tuple[str, str]]:
    """The links a role may follow, in `NAV_ORDER` (links not in it come last)."""
    ordered = sorted(
        NAV, key=lambda e: NAV_ORDER.index(e[0]) if e[0] in NAV_ORDER else len(NAV_ORDER)
    )
    return [(path, label) for path, label, allowed in ordered if role in allowed]
