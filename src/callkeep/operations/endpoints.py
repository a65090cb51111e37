"""`/readyz` (ready to serve, or why not) and `/metrics` (Prometheus), beside `/healthz`."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from callkeep.auth import roles
from callkeep.auth.deps import require
from callkeep.auth.permissions import public
from callkeep.kit.http import runtime
from callkeep.kit.observability import CONTENT_TYPE, metrics_of
from callkeep.operations import service

router = APIRouter(tags=["operations"])

# Who reads the numbers of the business (checks made, blocked and why, list ages): the people
# who run and oversee it, never a dialer or an agent. A scraper gets its own auditor token.
METRICS_ROLES = frozenset({roles.Role.ADMIN, roles.Role.COMPLIANCE, roles.Role.AUDITOR})


class ReadyOut(BaseModel):
    ready: bool
    reasons: list[str]
    lists: dict[str, str]


@router.get(
    "/readyz",
    response_model=ReadyOut,
    responses={503: {"model": ReadyOut, "description": "not ready; `reasons` says why"}},
    dependencies=[Depends(public("readiness probe for load balancers; names no record"))],
)
async def readyz(request: Request) -> JSONResponse:
    """Ready to answer checks: the database answers, the lists in force are loaded and the
    national registry is within its safe harbor (31 days), and scheduled backups are not
    behind (older than twice their interval). 503 with the reasons when not."""
    rt = runtime(request)
    found = await run_in_threadpool(service.readiness, db=rt.db, settings=rt.settings)
    body = ReadyOut(ready=found.ready, reasons=found.reasons, lists=found.lists)
    return JSONResponse(body.model_dump(), status_code=200 if found.ready else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE.split(";")[0]: {"schema": {"type": "string"}}}}},
    dependencies=[Depends(require(METRICS_ROLES))],
)
async def metrics(request: Request) -> Response:
    """Prometheus metrics of this server process: request latency by route, checks by result
    and reason, list ages and sizes, ledger entries, checkpoint and backup ages. Needs an admin, compliance or auditor
    token."""
    found = metrics_of(request.app.state)
    text = b"" if found is None else await run_in_threadpool(found.render)
    return Response(text, media_type=CONTENT_TYPE)
