"""`POST /api/v1/calls/imports`: a dialer's call files uploaded, imported as `calls import` does."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from callkeep.auth.deps import require
from callkeep.auth.roles import Role
from callkeep.auth.schemas import Principal
from callkeep.dialer import files, imports
from callkeep.errors import InvalidInput
from callkeep.kit.http import runtime

router = APIRouter(prefix="/api/v1", tags=["dialer"])

IMPORT_ROLES = frozenset({Role.ADMIN, Role.COMPLIANCE, Role.DIALER})
Importer = Annotated[Principal, Depends(require(IMPORT_ROLES))]


@router.post("/calls/imports", response_model=imports.ImportReport)
def create_call_import(
    request: Request,
    principal: Importer,
    file: Annotated[list[UploadFile], File(description="the dialer's files (repeatable)")],
    file_format: Annotated[str, Form(alias="format")],
    seller: Annotated[str | None, Form()] = None,
    campaign: Annotated[str | None, Form()] = None,
    telemarketer: Annotated[str | None, Form()] = None,
    timezone: Annotated[str | None, Form()] = None,
    column_map: Annotated[UploadFile | None, File(alias="map")] = None,
) -> imports.ImportReport:
    """Imports call records from uploaded dialer files: the counts and each line's problem.

    The same lines again add nothing (200 with them counted as repeats); 422 when the input as
    a whole cannot be used, or when no line of it could be imported.
    """
    map_text = None
    if column_map is not None:
        try:
            map_text = column_map.file.read().decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput.for_field("map", "the map is not UTF-8 text") from None
    if file_format not in files.FORMATS:
        raise InvalidInput.for_field(
            "format", f"{file_format!r}: one of {', '.join(files.FORMATS)}"
        )
    options = imports.ImportOptions(
        file_format=file_format,  # checked just above
        seller=seller,
        campaign=campaign,
        telemarketer=telemarketer,
        timezone=timezone,
        column_map=files.load_map(None, text=map_text) if map_text is not None else None,
    )
    sources = ((upload.filename or "upload", imports.text_of(upload.file)) for upload in file)
    report = imports.import_calls(
        db=runtime(request).db, actor=principal.actor, sources=sources, options=options
    )
    imports.refuse_if_nothing_kept(report)
    return report
