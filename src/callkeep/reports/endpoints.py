"""Production packages, the compliance report, safe-harbor evidence and legal holds."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from callkeep.auth import roles
from callkeep.auth.deps import require
from callkeep.auth.schemas import Principal
from callkeep.kit.http import AppRuntime, DbSession
from callkeep.ledger import checkpoints
from callkeep.reports import compliance, retention, safeharbor, service
from callkeep.reports.schemas import ExportFilters, HoldIn, ProcedureIn, TrainingIn

router = APIRouter(prefix="/api/v1", tags=["exports"])


@router.post(
    "/exports",
    response_class=Response,
    status_code=201,
    responses={201: {"content": {"application/zip": {}}, "description": "the package"}},
)
def create_export(
    filters: ExportFilters,
    session: DbSession,
    rt: AppRuntime,
    principal: Annotated[Principal, Depends(require(roles.COMPLIANCE))],
) -> Response:
    """Builds a production package for the filters and returns it (application/zip), its
    checkpoint signed by the checkpoint key."""
    with tempfile.TemporaryDirectory(prefix="callkeep-export-") as folder:
        path = Path(folder) / "callkeep-export.zip"
        record, _ = service.build(
            session=session,
            actor=principal.actor,
            filters=filters,
            out=path,
            signer=checkpoints.signer_for(rt.settings),
        )
        body = path.read_bytes()
    return Response(
        body,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="callkeep-export-{record.id}.zip"',
            "X-Callkeep-Package-SHA256": record.package_sha256,
        },
        status_code=201,
    )


# --- the compliance report and safe-harbor evidence ---------------------------------------

REPORT_READERS = frozenset({roles.Role.ADMIN, roles.Role.COMPLIANCE, roles.Role.AUDITOR})


@router.get("/reports/compliance", tags=["reports"])
def compliance_report(
    session: DbSession,
    principal: Annotated[Principal, Depends(require(REPORT_READERS))],
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    seller: str | None = None,
    campaign: str | None = None,
) -> dict[str, Any]:
    """The compliance report for a period (UTC days, both included), seller and campaign."""
    scope = compliance.period(
        session=session, date_from=date_from, date_to=date_to, seller=seller, campaign=campaign
    )
    return compliance.build(session=session, actor=principal.actor, scope=scope)


@router.get("/procedures", tags=["reports"])
def list_procedures(
    session: DbSession,
    _principal: Annotated[Principal, Depends(require(REPORT_READERS))],
) -> list[dict[str, Any]]:
    """Every version of every written procedure, with its text."""
    return [
        safeharbor.procedure_out(p, with_content=True)
        for p in safeharbor.procedures(session=session)
    ]


@router.post("/procedures", tags=["reports"], status_code=201)
def add_procedure(
    body: ProcedureIn,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(roles.COMPLIANCE))],
) -> dict[str, Any]:
    """Records the next version of a written procedure."""
    found = safeharbor.add_procedure(
        session=session,
        actor=principal.actor,
        slug=body.slug,
        title=body.title,
        content=body.content,
        effective_at=body.effective_at,
    )
    return safeharbor.procedure_out(found, with_content=True)


@router.get("/trainings", tags=["reports"])
def list_trainings(
    session: DbSession,
    _principal: Annotated[Principal, Depends(require(REPORT_READERS))],
) -> list[dict[str, Any]]:
    """Every training record: who, when, which version of which procedure."""
    return [safeharbor.training_out(t, p) for t, p in safeharbor.trainings(session=session)]


@router.post("/trainings", tags=["reports"], status_code=201)
def add_training(
    body: TrainingIn,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(roles.COMPLIANCE))],
) -> dict[str, Any]:
    """Records that a person (or an assisting entity) was trained in a procedure."""
    found = safeharbor.record_training(
        session=session,
        actor=principal.actor,
        slug=body.procedure,
        version=body.version,
        trainee=body.trainee,
        trained_at=body.trained_at,
        trainer=body.trainer,
    )
    return safeharbor.training_out(
        found, safeharbor.procedure(session=session, slug=body.procedure, version=body.version)
    )


@router.get("/holds", tags=["reports"])
def list_holds(
    session: DbSession,
    _principal: Annotated[Principal, Depends(require(REPORT_READERS))],
) -> list[dict[str, Any]]:
    """Every legal hold, released ones with their release time."""
    return retention.holds(session=session)


@router.post("/holds", tags=["reports"], status_code=201)
def add_hold(
    body: HoldIn,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(roles.COMPLIANCE))],
) -> dict[str, Any]:
    """Places a legal hold on a seller, a number or a campaign."""
    hold = retention.add_hold(
        session=session,
        actor=principal.actor,
        seller=body.seller,
        phone=body.phone,
        campaign=body.campaign,
        reason=body.reason,
    )
    return next(h for h in retention.holds(session=session) if h["id"] == hold.id)


@router.post("/holds/{hold_id}/release", tags=["reports"])
def release_hold(
    hold_id: str,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(roles.COMPLIANCE))],
) -> dict[str, Any]:
    """Ends a legal hold."""
    retention.release_hold(session=session, actor=principal.actor, hold_id=hold_id)
    return next(h for h in retention.holds(session=session) if h["id"] == hold_id)
