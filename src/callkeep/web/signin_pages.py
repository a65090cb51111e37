"""`GET/POST /login` and `POST /logout`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response

from callkeep.auth import permissions, sessions, signin
from callkeep.auth.roles import USER_ROLES
from callkeep.auth.sessions import StaffUser
from callkeep.kit.http import AppRuntime
from callkeep.web import security
from callkeep.web.staff import StaffRoute, current_user, form, redirect
from callkeep.web.templating import render

router = APIRouter(include_in_schema=False, route_class=StaffRoute)
SIGN_INS_PER_HOUR = 100  # per address, on top of the lockout
FormText = Annotated[str, Form()]


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _local(target: str) -> str:
    """`next` only within this site: a path, never another host."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _login_form(
    request: Request, *, next_path: str, username: str = "", error: str = "", status_code: int = 200
) -> Response:
    token = security.form_token(request)
    response = render(
        "staff/login.html",
        status_code=status_code,
        title=("Error: " if error else "") + "Sign in",
        csrf=token,
        next_path=next_path,
        username=username,
        error=error,
    )
    security.set_form_cookie(request, response, token=token, path="/login")
    return response


@router.get("/login", dependencies=[Depends(permissions.public("the sign-in form"))])
def login_page(request: Request, next: str = "/") -> Response:
    """The sign-in form; a signed-in user goes straight on."""
    if current_user(request) is not None:
        return redirect(_local(next))
    return _login_form(request, next_path=_local(next))


@router.post("/login", dependencies=[Depends(permissions.public("signing in"))])
def login(
    request: Request,
    rt: AppRuntime,
    username: FormText = "",
    password: FormText = "",
    csrf: FormText = "",
    next: FormText = "/",
) -> Response:
    """Signs in: 303 to `next` with a session cookie; 401 for a wrong pair; 429 when locked."""
    target = _local(next)
    address = _address(request)
    with rt.db.transaction() as session:
        if not security.allow(
            session=session, action="sign-in", address=address, per_hour=SIGN_INS_PER_HOUR
        ):
            return _login_form(
                request,
                next_path=target,
                username=username,
                error="Too many sign-ins from your connection. Wait an hour and try again.",
                status_code=429,
            )
    if not security.csrf_matches(cookie=request.cookies.get(security.CSRF_COOKIE), form_value=csrf):
        return _login_form(
            request,
            next_path=target,
            username=username,
            error="The form had expired. Sign in again.",
            status_code=403,
        )
    with rt.db.transaction() as session:
        result = signin.sign_in(
            session=session, username=username, password=password, address=address
        )
        secret = sessions.start(session=session, user_id=result.user_id) if result.user_id else None
    if result.locked:
        minutes = int(signin.WINDOW.total_seconds() // 60)
        return _login_form(
            request,
            next_path=target,
            username=username,
            error=f"Too many failed sign-ins. Try again in {minutes} minutes.",
            status_code=429,
        )
    if secret is None:
        return _login_form(
            request,
            next_path=target,
            username=username,
            error="Wrong username or password.",
            status_code=401,
        )
    response = redirect(target)
    response.set_cookie(
        sessions.COOKIE,
        secret,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    response.delete_cookie(security.CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(
    request: Request, rt: AppRuntime, user: Annotated[StaffUser, Depends(form(USER_ROLES))]
) -> Response:
    """Ends the session and goes back to the sign-in page."""
    secret = request.cookies.get(sessions.COOKIE, "")
    with rt.db.transaction() as session:
        name = sessions.end(session=session, secret=secret)
        if name is not None:
            signin.log_event(
                session=session,
                actor=user.principal.actor,
                event="sign_out",
                username=name,
                address=_address(request),
            )
    response = redirect("/login")
    response.delete_cookie(sessions.COOKIE, path="/")
    return response
