"""`/api/v1/checks`: the pre-call decision, one number or a batch; `/api/v1/scrubs`: lead files."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from callkeep.auth import roles
from callkeep.auth.deps import require
from callkeep.auth.schemas import Principal
from callkeep.auth.seller_scope import hold_to_seller, seller_ref
from callkeep.checks import scrub as scrubbing
from callkeep.checks import service
from callkeep.checks.lane import store_inline
from callkeep.checks.schemas import BatchIn, BatchOut, CheckIn, DecisionOut
from callkeep.kit.http import DbSession
from callkeep.kit.observability import metrics_of

router = APIRouter(prefix="/api/v1", tags=["checks"])

Checker = Annotated[Principal, Depends(require(roles.RECORD_CALLS, seller_scoped=True))]
Reader = Annotated[Principal, Depends(require(roles.READ, seller_scoped=True))]
Compliance = Annotated[Principal, Depends(require(roles.COMPLIANCE))]


@router.post("/checks", response_model=DecisionOut)
async def create_check(body: CheckIn, request: Request, principal: Checker) -> Response:
    """May this number be called now? The decision, stored as evidence.

    Asked before every dial: decided and stored in one write transaction together with
    concurrent checks (group commit; on the event loop on SQLite, on a worker thread on
    PostgreSQL); the answer leaves once its decision is committed. Well-formed checks are
    served that way by `lane.CheckLane` before they reach this route; the others come here.
    The answer is serialized once, by its model.
    """
    body.seller = seller_ref(principal, body.seller)
    decision = await store_inline(request.app.state, principal.actor, body)
    return Response(decision.model_dump_json(), media_type="application/json")


@router.post("/checks/batch", response_model=BatchOut)
def create_batch(
    body: BatchIn, request: Request, session: DbSession, principal: Checker
) -> BatchOut:
    """Decisions for up to 10,000 numbers at one moment, in the order given, all stored."""
    body.seller = seller_ref(principal, body.seller)
    decisions = service.check_batch(session=session, actor=principal.actor, batch_in=body)
    metrics = metrics_of(request.app.state)
    if metrics is not None:
        metrics.count_decisions(decisions)
    return BatchOut(decisions=decisions)


@router.get("/checks/{decision_id}", response_model=DecisionOut)
def read_check(decision_id: str, session: DbSession, principal: Reader) -> DecisionOut:
    """A stored decision, as it was given."""
    found = service.find_decision(session=session, decision_id=decision_id)
    hold_to_seller(principal, found.seller_id if found else None, f"decision {decision_id}")
    return service.get_decision(session=session, decision_id=decision_id)


@router.post("/scrubs", response_class=FileResponse)
def create_scrub(
    session: DbSession,
    principal: Compliance,
    file: Annotated[
        UploadFile, File(description="the lead file: CSV, VICIdial's lead file, or .xlsx")
    ],
    phone_column: Annotated[str | None, Form()] = None,
    file_format: Annotated[str, Form(alias="format")] = "auto",
    seller: Annotated[str | None, Form()] = None,
    campaign: Annotated[str | None, Form()] = None,
    at: Annotated[str | None, Form()] = None,
) -> FileResponse:
    """Scrubs an uploaded lead file; returns it with the three callkeep columns added (a
    workbook comes back as CSV, VICIdial's lead file as VICIdial's lead file).

    The summary travels in the ``X-Callkeep-Scrub-*`` headers; the run is stored as evidence.
    A file that cannot be read answers 422 naming the line; nothing of it is kept.
    """
    work = Path(tempfile.mkdtemp(prefix="callkeep-scrub-"))
    out_path = work / "scrubbed"
    name = Path(file.filename or "upload.csv").name
    try:
        summary = scrubbing.scrub_file(
            session=session,
            actor=principal.actor,
            source=file.file,
            source_name=name,
            out_path=out_path,
            phone_column=phone_column,
            seller=seller,
            campaign=campaign,
            at=at,
            file_format=file_format,
        )
    except BaseException:
        _remove(work)
        raise
    headers = {
        "X-Callkeep-Scrub-Id": summary.scrub_id,
        "X-Callkeep-Scrub-Rows": str(summary.rows),
        "X-Callkeep-Scrub-Allowed": str(summary.allowed),
        "X-Callkeep-Scrub-Blocked": str(summary.blocked),
        "X-Callkeep-Scrub-Invalid": str(summary.invalid),
    }
    stem, _, suffix = name.rpartition(".") if "." in name else (name, "", "csv")
    text = summary.file_format == "vicidial"
    return FileResponse(
        out_path,
        media_type="text/plain" if text else "text/csv",
        filename=f"{stem or 'leads'}.scrubbed.{suffix if text else 'csv'}",
        headers=headers,
        background=BackgroundTask(_remove, work),
    )


def _remove(folder: Path) -> None:
    for child in folder.iterdir():
        child.unlink(missing_ok=True)
    folder.rmdir()
