"""`/scrubs`: upload a lead file, watch it being scrubbed, download the result.

The upload answers with the result of a small file, else with the progress page
(`/scrubs/jobs/{job}`), which refreshes
itself every second with JavaScript off and follows `status.json` with it on; when the scrub is
done the page leads to its result and download, and a failed scrub shows its error (with the
line it is on). The scrub itself runs in `web/scrub_jobs.py`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from callkeep.auth import access
from callkeep.auth.sessions import StaffUser
from callkeep.checks import stats
from callkeep.errors import NotFound
from callkeep.kit.http import AppRuntime
from callkeep.web import scope, scrub_jobs
from callkeep.web.pages_compliance import OFFICERS, SCRUBS, _uploaded
from callkeep.web.security import SECURITY_HEADERS
from callkeep.web.staff import StaffRoute, form, form_fields, page, redirect, staff_page

router = APIRouter(include_in_schema=False, route_class=StaffRoute)

Reader = Annotated[StaffUser, Depends(page(SCRUBS))]
Officer = Annotated[StaffUser, Depends(form(OFFICERS))]
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _scrub_path(rt: AppRuntime, scrub_id: str) -> Path:
    if not scrub_id.isalnum():
        raise NotFound("no such scrub")
    return rt.settings.data_dir / "scrubs" / f"{scrub_id}.csv"


@router.get("/scrubs")
def scrubs_page(rt: AppRuntime, user: Reader) -> Response:
    """Upload a lead file to scrub; the latest scrubs, each with its counts and download."""
    with rt.db.transaction(read_only=True) as session:
        chosen = scope.resolve(session=session, user=user)
        runs = stats.recent_scrubs(session=session, seller_ids=chosen.seller_ids)
    kept = {r.id for r in runs if _scrub_path(rt, r.id).exists()}
    return staff_page(
        "staff/scrubs.html",
        user=user,
        title="Scrubs",
        current="/scrubs",
        scope=chosen,
        runs=runs,
        kept=kept,
        may_upload=user.principal.role in OFFICERS,
    )


@router.post("/scrubs")
async def upload_scrub(request: Request, rt: AppRuntime, user: Officer) -> Response:
    """Starts scrubbing an uploaded lead file; answers with its progress page."""
    fields = await form_fields(request)
    upload = _uploaded(fields, "file")
    options = {
        name: str(fields.get(name, "")).strip() or None
        for name in ("phone_column", "seller", "campaign", "at")
    }
    job = await run_in_threadpool(
        scrub_jobs.start,
        rt=rt,
        actor=user.principal.actor,
        source=upload.file,
        file_name=Path(upload.filename or "leads.csv").name,
        options=options,
    )
    if job.state == "failed":
        return _progress_page(user, job)
    return redirect(
        f"/scrubs/{job.scrub_id}" if job.state == "done" else f"/scrubs/jobs/{job.job_id}"
    )


@router.get("/scrubs/jobs/{job_id}")
def scrub_progress_page(job_id: str, rt: AppRuntime, user: Reader) -> Response:
    """A scrub under way (rows done, in all, rate; refreshes itself), its error, or, once
    done, its result."""
    progress = scrub_jobs.read(rt, job_id)
    if progress.state == "done":
        return redirect(f"/scrubs/{progress.scrub_id}")
    return _progress_page(user, progress)


def _progress_page(user: StaffUser, progress: scrub_jobs.Progress) -> Response:
    response = staff_page(
        "staff/scrub_progress.html",
        user=user,
        title="Scrubbing" if progress.state == "running" else "Scrub failed",
        current="/scrubs",
        status_code=422 if progress.state == "failed" else 200,
        progress=progress,
    )
    # this page alone may fetch: its script reads status.json from the same origin
    policy = SECURITY_HEADERS["Content-Security-Policy"]
    response.headers["Content-Security-Policy"] = f"{policy}; connect-src 'self'"
    return response


@router.get("/scrubs/jobs/{job_id}/status.json")
def scrub_status(job_id: str, rt: AppRuntime, user: Reader) -> Response:
    """The same progress as JSON, for the page's script."""
    return JSONResponse(scrub_jobs.read(rt, job_id).as_json(), headers=NO_STORE)


@router.get("/scrubs/{scrub_id}")
def scrub_page(scrub_id: str, rt: AppRuntime, user: Reader) -> Response:
    """One scrub: rows allowed, blocked and invalid, reasons, and the scrubbed file."""
    with rt.db.transaction(read_only=True) as session:
        run = stats.get_scrub(session=session, scrub_id=scrub_id)
    if run is None:
        raise NotFound(f"no scrub {scrub_id}")
    return staff_page(
        "staff/scrub.html",
        user=user,
        title="Scrub",
        current="/scrubs",
        run=run,
        reasons=sorted(json.loads(run.reason_counts or "{}").items(), key=lambda kv: -kv[1]),
        kept=_scrub_path(rt, run.id).exists(),
    )


@router.get("/scrubs/{scrub_id}/download")
def scrub_download(scrub_id: str, rt: AppRuntime, user: Reader) -> Response:
    """The scrubbed file: the input columns as they were, and callkeep's three."""
    path = _scrub_path(rt, scrub_id)
    if not path.exists():
        raise NotFound(f"no scrubbed file for {scrub_id}")
    access.record_reads(
        db=rt.db,
        actor=user.principal.actor,
        entity_type="scrub_runs",
        entity_ids=[scrub_id],
        via=f"GET /scrubs/{scrub_id}/download",
    )
    return FileResponse(
        path, media_type="text/csv", filename=f"scrubbed-{scrub_id}.csv", headers=NO_STORE
    )
