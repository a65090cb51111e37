"""`POST /api/v1/exports`: a production package, as a zip download."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from callkeep.auth import roles
from callkeep.auth.deps import require
from callkeep.auth.schemas import Principal
from callkeep.kit.http import DbSession
from callkeep.reports import service
from callkeep.reports.schemas import ExportFilters

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
    principal: Annotated[Principal, Depends(require(roles.COMPLIANCE))],
) -> Response:
    """Builds a production package for the filters and returns it (application/zip)."""
    with tempfile.TemporaryDirectory(prefix="callkeep-export-") as folder:
        path = Path(folder) / "callkeep-export.zip"
        record, _ = service.build(session=session, actor=principal.actor, filters=filters, out=path)
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
