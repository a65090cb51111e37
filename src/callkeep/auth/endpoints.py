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


class TokenCreated(BaseModel):
    id: str
    name: str
    role: str
    token: str = Field(description="the secret; shown once, never stored")


class Me(BaseModel):
    actor: str
    role: str


@router.post("/tokens", status_code=status.HTTP_201_CREATED, response_model=TokenCreated)
def create_token(
    body: TokenCreate,
    session: DbSession,
    principal: Annotated[Principal, Depends(require({roles.Role.ADMIN}))],
) -> TokenCreated:
    """Creates an API token (admins only); the secret is in the response and nowhere else."""
    token, secret = service.create_token(
        session=session, actor=principal.actor, name=body.name, role=body.role.value
    )
    return TokenCreated(id=token.id, name=token.name, role=token.role, token=secret)


@router.get("/me", response_model=Me)
def me(principal: Annotated[Principal, Depends(require(roles.ALL))]) -> Me:
    """Who the presented credentials belong to."""
    return Me(actor=principal.actor, role=principal.role.value)
