"""`/api/v1/tokens` and `/api/v1/me`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field

from callkeep.auth import roles, service
from callkeep.auth.deps import require
from callkeep.auth.schemas import Principal
from callkeep.kit.http import DbSession

router = APIRouter(prefix="/api/v1", tags=["auth"])


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    role: roles.Role = roles.Role.DIALER
    seller: str | None = Field(None, max_length=80, description="hold it to this seller")


class TokenCreated(BaseModel):
    id: str
    name: str
    role: str
    seller: str | None = None
    token: str = Field(description="the secret; shown once, never stored")


class Me(BaseModel):
    actor: str
    role: str
    seller: str | None = Field(None, description="the one seller a scoped token acts for")


@router.post("/tokens", status_code=status.HTTP_201_CREATED, response_model=TokenCreated)
def create_token(
    body: TokenCreate,
    session: DbSession,
    principal: Annotated[Principal, Depends(require({roles.Role.ADMIN}))],
) -> TokenCreated:
    """Creates an API token (admins only); the secret is in the response and nowhere else."""
    token, secret = service.create_token(
        session=session,
        actor=principal.actor,
        name=body.name,
        role=body.role.value,
        seller=body.seller,
    )
    held = service.seller_scopes(session=session).get(token.id)
    return TokenCreated(
        id=token.id,
        name=token.name,
        role=token.role,
        seller=held.seller_slug if held else None,
        token=secret,
    )


@router.get("/me", response_model=Me)
def me(principal: Annotated[Principal, Depends(require(roles.ALL, seller_scoped=True))]) -> Me:
    """Who the presented credentials belong to (and the seller a scoped token is held to)."""
    return Me(actor=principal.actor, role=principal.role.value, seller=principal.seller_slug)
