"""HTTP: list status, list uploads, entity-specific entries."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from callkeep.auth import roles
from callkeep.auth.deps import require
from callkeep.auth.schemas import Principal
from callkeep.errors import InvalidInput
from callkeep.kit.http import DbSession, runtime
from callkeep.kit.runtime import Runtime
from callkeep.lists import imports, service
from callkeep.lists import status as lists_status
from callkeep.lists.cli import parse_area_codes, parse_as_of
from callkeep.lists.schemas import EntityEntryIn, EntityEntryOut, ImportReport, ListStatus

router = APIRouter(prefix="/api/v1/lists", tags=["lists"])

Reader = Annotated[Principal, Depends(require(roles.READ))]
Compliance = Annotated[Principal, Depends(require(roles.COMPLIANCE))]
Staff = Annotated[Principal, Depends(require(roles.STAFF_WRITE))]
_BLOCK = 1024 * 1024


@router.get("", response_model=list[ListStatus])
def list_status(session: DbSession, principal: Reader) -> list[ListStatus]:
    """Every list: version in force, size, age; national coverage and safe-harbor freshness."""
    return lists_status.status(session=session)


@router.post("/imports", response_model=ImportReport, status_code=status.HTTP_201_CREATED)
async def upload_list(
    request: Request,
    principal: Compliance,
    list_name: Annotated[str, Query(alias="list")],
    as_of: str | None = None,
    change: bool = False,
    san: str | None = None,
    campaign: Annotated[list[str] | None, Query()] = None,
    area_codes: str | None = None,
    filename: str | None = None,
) -> ImportReport:
    """Imports an uploaded list file (multipart `file` fields, or the raw body).

    The upload is streamed to a temporary file under the data folder, then imported exactly as
    `callkeep lists import` does.
    """
    rt = runtime(request)
    upload_dir = rt.settings.data_dir / "uploads"
    upload_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="list-", dir=upload_dir))
    try:
        paths, names = await _receive(request, work, filename)
        import_request = imports.ImportRequest(
            paths=paths,
            list_name=list_name,
            as_of=parse_as_of(as_of),
            change=change,
            san=san,
            campaigns=", ".join(campaign or []) or None,
            area_codes=parse_area_codes(area_codes),
            source_names=names,
        )
        return await run_in_threadpool(_import, rt, principal.actor, import_request)
    finally:
        shutil.rmtree(work, ignore_errors=True)


async def _receive(
    request: Request, work: Path, filename: str | None
) -> tuple[list[Path], list[str]]:
    content_type = request.headers.get("content-type", "")
    paths: list[Path] = []
    names: list[str] = []
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        for number, (_, value) in enumerate(form.multi_items()):
            if not isinstance(value, UploadFile):
                continue
            target = work / f"{number}.upload"
            with open(target, "wb") as out:
                while block := await value.read(_BLOCK):
                    out.write(block)
            paths.append(target)
            names.append(Path(value.filename or f"upload-{number}").name)
        await form.close()
    else:
        target = work / "0.upload"
        with open(target, "wb") as out:
            async for block in request.stream():
                out.write(block)
        paths.append(target)
        names.append(Path(filename or "upload").name)
    if not paths:
        raise InvalidInput.for_field(
            "file", "send a list file (multipart field 'file' or the body)"
        )
    return paths, names


def _import(rt: Runtime, actor: str, request: imports.ImportRequest) -> ImportReport:
    with rt.db.transaction() as session:
        return imports.import_list(
            session=session,
            actor=actor,
            folder=rt.settings.snapshot_dir,
            max_unzipped=rt.settings.max_unzipped_bytes,
            request=request,
        )


@router.post("/entity-entries", response_model=EntityEntryOut, status_code=status.HTTP_201_CREATED)
def add_entity_entry(
    entry_in: EntityEntryIn, session: DbSession, principal: Staff
) -> EntityEntryOut:
    """Puts a number, or a whole area code, on a seller's own list, effective now."""
    entry = service.add_entity_entry(
        session=session,
        actor=principal.actor,
        seller_slug=service.resolve_seller_slug(session=session, ref=entry_in.seller),
        phone=entry_in.phone,
        area_code=entry_in.area_code,
        source=entry_in.source,
        reference=entry_in.reference,
    )
    return EntityEntryOut.model_validate(entry, from_attributes=True)
