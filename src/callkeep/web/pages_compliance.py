"""`/lists`, `/check`, `/dnc-requests`, `/audit` and `/access-log`: thin routes over
the lists, checks, requests, ledger and auth services (`/scrubs` is in `pages_scrubs.py`)."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from starlette.datastructures import FormData, UploadFile

from callkeep.auth import access
from callkeep.auth.models import AccessRecord
from callkeep.auth.roles import Role
from callkeep.auth.sessions import StaffUser
from callkeep.backup import service as backup_service
from callkeep.checks import service as checks_service
from callkeep.checks.schemas import CheckIn
from callkeep.errors import InvalidInput
from callkeep.kit.http import AppRuntime
from callkeep.ledger import checkpoints
from callkeep.ledger import service as ledger_service
from callkeep.lists import ages, imports
from callkeep.lists import status as lists_status
from callkeep.reports import export_log
from callkeep.requests import review
from callkeep.requests import service as requests_service
from callkeep.requests.models import DncRequest
from callkeep.requests.schemas import DncRequestCreate, RequestStatus
from callkeep.web import scope
from callkeep.web.staff import StaffRoute, form, form_fields, nav_entry, page, redirect, staff_page

router = APIRouter(include_in_schema=False, route_class=StaffRoute)

OFFICERS = {Role.ADMIN, Role.COMPLIANCE}
LISTS = nav_entry("/lists", "Lists", {*OFFICERS, Role.AUDITOR})
CHECK = nav_entry("/check", "Check a number", {*OFFICERS, Role.AGENT, Role.SUPERVISOR})
SCRUBS = nav_entry("/scrubs", "Scrubs", {*OFFICERS, Role.AUDITOR})
DNC = nav_entry(
    "/dnc-requests", "Do-Not-Call requests", {*OFFICERS, Role.AGENT, Role.SUPERVISOR, Role.AUDITOR}
)
AUDIT = nav_entry("/audit", "Audit", {*OFFICERS, Role.AUDITOR})
ACCESS_LOG = nav_entry("/access-log", "Access log", {*OFFICERS, Role.AUDITOR})
RECORDERS = {*OFFICERS, Role.AGENT}
PAGE_SIZE = 50
LIST_NAMES = ("national", "litigator", "wireless")


def _upload_dir(rt: AppRuntime) -> Path:
    folder = rt.settings.data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _uploaded(fields: FormData, name: str) -> UploadFile:
    value = fields.get(name)
    if not isinstance(value, UploadFile) or not value.filename:
        raise InvalidInput.for_field(name, "choose a file to upload")
    return value


# --- lists ------------------------------------------------------------------------------


@router.get("/lists")
def lists_page(rt: AppRuntime, user: Annotated[StaffUser, Depends(page(LISTS))]) -> Response:
    """Every list in force, its versions, and when the national registry must be renewed."""
    with rt.db.transaction(read_only=True) as session:
        statuses = lists_status.status(session=session)
        recent = ages.versions(session=session, limit=30)
    return staff_page(
        "staff/lists.html",
        user=user,
        title="Lists",
        current="/lists",
        statuses=statuses,
        versions=recent,
        may_upload=user.principal.role in OFFICERS,
        list_names=LIST_NAMES,
        today=date.today().isoformat(),
    )


@router.post("/lists/imports")
async def upload_list(
    request: Request, rt: AppRuntime, user: Annotated[StaffUser, Depends(form(OFFICERS))]
) -> Response:
    """Imports an uploaded list file as the next version of a list."""
    fields = await form_fields(request)
    upload = _uploaded(fields, "file")
    list_name = str(fields.get("list", "")).strip()
    if not list_name:
        raise InvalidInput.for_field("list", "choose the list this file is")
    as_of_text = str(fields.get("as_of", "")).strip()
    try:
        as_of = date.fromisoformat(as_of_text) if as_of_text else None
    except ValueError:
        raise InvalidInput.for_field("as_of", f"{as_of_text!r} is not a date") from None
    work = Path(tempfile.mkdtemp(prefix="list-", dir=_upload_dir(rt)))
    try:
        target = work / "0.upload"
        with open(target, "wb") as out:
            shutil.copyfileobj(upload.file, out, 1 << 20)
        with rt.db.transaction() as session:
            report = imports.import_list(
                session=session,
                actor=user.principal.actor,
                folder=rt.settings.snapshot_dir,
                max_unzipped=rt.settings.max_unzipped_bytes,
                request=imports.ImportRequest(
                    paths=[target],
                    list_name=list_name,
                    as_of=as_of,
                    change=str(fields.get("change", "")) == "yes",
                    san=str(fields.get("san", "")).strip() or None,
                    source_names=[Path(upload.filename or "upload").name],
                    accessed_by=user.principal.name,
                ),
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return staff_page(
        "staff/list_imported.html",
        user=user,
        title="List imported",
        current="/lists",
        report=report,
    )


# --- the check tool ---------------------------------------------------------------------


@router.get("/check")
def check_page(rt: AppRuntime, user: Annotated[StaffUser, Depends(page(CHECK))]) -> Response:
    """A form: may this number be called now, for this seller and campaign?"""
    with rt.db.transaction(read_only=True) as session:
        chosen = scope.resolve(session=session, user=user)
    return staff_page(
        "staff/check.html", user=user, title="Check a number", current="/check", scope=chosen
    )


@router.post("/check")
def check_number(
    rt: AppRuntime,
    user: Annotated[StaffUser, Depends(form(CHECK))],
    phone: Annotated[str, Form(max_length=200)] = "",
    seller: Annotated[str, Form(max_length=100)] = "",
    campaign: Annotated[str, Form(max_length=100)] = "",
    at: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """The decision, stored as evidence like every other check, with its reasons."""
    with rt.db.transaction() as session:
        chosen = scope.resolve(session=session, user=user, seller=seller, campaign=campaign)
        decision = checks_service.check(
            session=session,
            actor=user.principal.actor,
            check_in=CheckIn(
                phone=phone,
                seller=chosen.seller or None,
                campaign=chosen.campaign or None,
                at=at.strip() or None,
            ),
        )
    return staff_page(
        "staff/check.html",
        user=user,
        title="Check a number",
        current="/check",
        scope=chosen,
        decision=decision,
        phone=phone,
    )


# --- consumers' Do-Not-Call requests ------------------------------------------------------


@router.get("/dnc-requests")
def dnc_requests_page(
    rt: AppRuntime,
    user: Annotated[StaffUser, Depends(page(DNC))],
    status: Annotated[str, Query(max_length=10)] = "",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    """Requests newest first with their deadlines, the review queue, and a form to record one."""
    wanted = RequestStatus(status) if status in {s.value for s in RequestStatus} else None
    with rt.db.transaction(read_only=True) as session:
        chosen = scope.resolve(session=session, user=user)
        rows: list[DncRequest] = []
        total = 0
        if chosen.seller_ids is None or chosen.sellers:  # a supervisor: every seller of theirs
            rows, total = requests_service.list_requests(
                session=session,
                seller_ids=chosen.seller_ids,
                status=wanted,
                limit=PAGE_SIZE,
                offset=offset,
            )
        items = [requests_service.to_out(r) for r in rows]
        queue = review.list_items(session=session) if user.principal.role in OFFICERS else []
    access.record_reads(
        db=rt.db,
        actor=user.principal.actor,
        entity_type="dnc_requests",
        entity_ids=[i.id for i in items],
        via="GET /dnc-requests",
    )
    return staff_page(
        "staff/dnc_requests.html",
        user=user,
        title="Do-Not-Call requests",
        current="/dnc-requests",
        scope=chosen,
        items=items,
        total=total,
        offset=offset,
        page_size=PAGE_SIZE,
        status=status,
        statuses=[s.value for s in RequestStatus],
        queue=queue,
        may_record=user.principal.role in RECORDERS,
    )


@router.post("/dnc-requests")
def record_dnc_request(
    rt: AppRuntime,
    user: Annotated[StaffUser, Depends(form(RECORDERS))],
    phone: Annotated[str, Form(max_length=40)] = "",
    seller: Annotated[str, Form(max_length=80)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Records a consumer's request taken by staff; the next check for that seller is blocked."""
    with rt.db.transaction() as session:
        recorded = requests_service.record_request(
            session=session,
            actor=user.principal.actor,
            request_in=DncRequestCreate(
                phone=phone or " ", seller=seller or None, name=name.strip() or None
            ),
        )
        code = recorded.request.confirmation_code
    return redirect(f"/dnc-requests?recorded={code}")


# --- audit and access log -----------------------------------------------------------------


@router.get("/audit")
def audit_page(
    rt: AppRuntime, user: Annotated[StaffUser, Depends(page(AUDIT))], made: str = ""
) -> Response:
    """Re-hashes the whole ledger and every record, and names anything altered; shows the
    latest signed checkpoint, the key that verifies it, and the last good backup."""
    with rt.db.transaction(read_only=True) as session:
        report = ledger_service.verify(session=session)
        checkpoint = ledger_service.last_checkpoint(session=session)
    return staff_page(
        "staff/audit.html",
        user=user,
        title="Audit",
        current="/audit",
        report=report,
        checkpoint=checkpoint,
        vkey=checkpoints.verifier_for(rt.settings).vkey,
        backup=backup_service.last_good_backup(rt.settings),
        may_checkpoint=user.principal.role in OFFICERS,
        made=made.isdigit(),
    )


@router.post("/audit/checkpoint")
def make_checkpoint(
    rt: AppRuntime, _user: Annotated[StaffUser, Depends(form(OFFICERS))]
) -> Response:
    """Signs a checkpoint of the ledger as it is now (the newest one if it has not grown)."""
    made = checkpoints.make(rt=rt)
    return redirect(f"/audit?made={made.size}")


@router.get("/access-log")
def access_log_page(
    rt: AppRuntime,
    user: Annotated[StaffUser, Depends(page(ACCESS_LOG))],
    who: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str, Query(max_length=20)] = "",
    first: Annotated[str | None, Query(alias="from", max_length=20)] = None,
    last: Annotated[str | None, Query(alias="to", max_length=20)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    """Who read whose personal data, who signed in, and who exported what, newest first."""
    with rt.db.transaction(read_only=True) as session:
        chosen = scope.resolve(session=session, user=user, first=first, last=last)
        rows: list[AccessRecord] = []
        total = 0
        if kind != "export":
            rows, total = access.list_access(
                session=session,
                actor=who.strip() or None,
                kind=kind or None,
                since=chosen.since,
                until=chosen.until,
                limit=PAGE_SIZE,
                offset=offset,
            )
        exports = (
            export_log.list_exports(
                session=session, actor=who.strip() or None, since=chosen.since, until=chosen.until
            )
            if kind in ("", "export")
            else []
        )
    return staff_page(
        "staff/access_log.html",
        user=user,
        title="Access log",
        current="/access-log",
        scope=chosen,
        rows=rows,
        total=total,
        exports=exports,
        who=who,
        kind=kind,
        offset=offset,
        page_size=PAGE_SIZE,
    )
