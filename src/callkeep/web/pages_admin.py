"""`/users` and `/tokens`: admins create, remove and revoke; a token's secret is shown once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Response

from callkeep.auth import service
from callkeep.auth.roles import ADMIN, USER_ROLES, Role
from callkeep.auth.sessions import StaffUser
from callkeep.kit.http import AppRuntime
from callkeep.web.staff import StaffRoute, form, nav_entry, page, redirect, staff_page

router = APIRouter(include_in_schema=False, route_class=StaffRoute)

USERS = nav_entry("/users", "Users", {Role.ADMIN, Role.AUDITOR})
TOKENS = nav_entry("/tokens", "Tokens", {Role.ADMIN, Role.AUDITOR})
Admin = Annotated[StaffUser, Depends(form(ADMIN))]
FormText = Annotated[str, Form(max_length=200)]


def _users_page(rt: AppRuntime, user: StaffUser) -> Response:
    with rt.db.transaction(read_only=True) as session:
        users = service.list_users(session=session)
        scopes = {u.id: service.scopes_of(session=session, user_id=u.id) for u, _ in users}
    return staff_page(
        "staff/users.html",
        user=user,
        title="Users",
        current="/users",
        users=users,
        scopes=scopes,
        roles=sorted(r.value for r in USER_ROLES),
        may_edit=user.principal.role is Role.ADMIN,
    )


@router.get("/users")
def users_page(rt: AppRuntime, user: Annotated[StaffUser, Depends(page(USERS))]) -> Response:
    """Every user, their role, and (admins) forms to add and remove users."""
    return _users_page(rt, user)


@router.post("/users")
def create_user(
    rt: AppRuntime,
    user: Admin,
    username: FormText = "",
    role: FormText = "",
    password: FormText = "",
) -> Response:
    """Creates a user with the password an admin typed (at least 12 characters)."""
    with rt.db.transaction() as session:
        service.create_user(
            session=session,
            actor=user.principal.actor,
            username=username.strip(),
            role=role,
            password=password,
        )
    return redirect("/users")


@router.post("/users/{username}/removal")
def remove_user(username: str, rt: AppRuntime, user: Admin, reason: FormText = "") -> Response:
    """Ends a user's access at once: their sessions end and their tokens are refused."""
    with rt.db.transaction() as session:
        service.remove_user(
            session=session, actor=user.principal.actor, username=username, reason=reason
        )
    return redirect("/users")


def _tokens_page(
    rt: AppRuntime, user: StaffUser, *, secret: str = "", status: int = 200
) -> Response:
    from callkeep.records import service as records

    with rt.db.transaction(read_only=True) as session:
        tokens = service.list_tokens(session=session)
        held = service.seller_scopes(session=session)
        seller_choices = records.list_sellers(session=session)
    return staff_page(
        "staff/tokens.html",
        user=user,
        title="Tokens",
        current="/tokens",
        status_code=status,
        tokens=tokens,
        held=held,
        sellers=seller_choices,
        roles=[r.value for r in Role],
        may_edit=user.principal.role is Role.ADMIN,
        secret=secret,
    )


@router.get("/tokens")
def tokens_page(rt: AppRuntime, user: Annotated[StaffUser, Depends(page(TOKENS))]) -> Response:
    """Every API token: its role, when it was last used, whether it is revoked."""
    return _tokens_page(rt, user)


@router.post("/tokens")
def create_token(
    rt: AppRuntime,
    user: Admin,
    name: FormText = "",
    role: FormText = "",
    seller: FormText = "",
) -> Response:
    """Creates a token (held to one seller when one is chosen) and shows its secret on this
    page only, once."""
    with rt.db.transaction() as session:
        _, secret = service.create_token(
            session=session,
            actor=user.principal.actor,
            name=name.strip() or "api",
            role=role or Role.DIALER.value,
            seller=seller.strip() or None,
        )
    return _tokens_page(rt, user, secret=secret, status=201)


@router.post("/tokens/{token_id}/revocation")
def revoke_token(token_id: str, rt: AppRuntime, user: Admin, reason: FormText = "") -> Response:
    """Revokes a token; this server refuses it at once, others within 10 seconds."""
    with rt.db.transaction() as session:
        service.revoke_token(
            session=session, actor=user.principal.actor, token_id=token_id, reason=reason
        )
    return redirect("/tokens")
