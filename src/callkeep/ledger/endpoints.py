"""`GET /api/v1/audit/verify` and `GET /api/v1/audit/checkpoint`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from callkeep.auth import roles
from callkeep.auth.deps import require
from callkeep.auth.schemas import Principal
from callkeep.kit.http import AppRuntime, DbSession
from callkeep.ledger import checkpoints, service
from callkeep.ledger.schemas import CheckpointOut, VerifyReport

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])

CHECKPOINT_READERS = frozenset({roles.Role.ADMIN, roles.Role.COMPLIANCE, roles.Role.AUDITOR})


@router.get("/verify", response_model=VerifyReport)
def verify(
    session: DbSession, _who: Annotated[Principal, Depends(require(roles.READ))]
) -> VerifyReport:
    """Re-hashes the chain and every record; `intact` is false if anything was altered."""
    return service.verify(session=session)


@router.get(
    "/checkpoint",
    response_model=CheckpointOut,
    responses={200: {"content": {"text/plain": {}}, "description": "the checkpoint"}},
)
async def checkpoint(
    request: Request,
    rt: AppRuntime,
    _who: Annotated[Principal, Depends(require(CHECKPOINT_READERS))],
) -> Response | CheckpointOut:
    """The latest signed checkpoint of the ledger (one is made if the ledger grew since the last).

    JSON by default; with ``Accept: text/plain``, the signed note alone, as
    `callkeep audit verify --checkpoint` reads it.
    """
    made = await run_in_threadpool(checkpoints.make, rt=rt)
    accept = request.headers.get("accept", "")
    if "text/plain" in accept and "application/json" not in accept:
        return PlainTextResponse(made.note)
    return made
