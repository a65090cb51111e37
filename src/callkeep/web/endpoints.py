"""The public pages: `GET/POST /do-not-call`, per seller, status lookup, and static files."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, Response

from callkeep.auth import permissions
from callkeep.errors import InvalidInput, NotFound
from callkeep.kit.clock import utcnow
from callkeep.kit.http import AppRuntime
from callkeep.kit.runtime import Runtime
from callkeep.ledger.schemas import CheckpointOut
from callkeep.requests import peers as requests_peers
from callkeep.requests import service as requests_service
from callkeep.web import (
    pages_admin,
    pages_compliance,
    pages_dashboard,
    pages_records,
    pages_reports,
    pages_review,
    pages_scrubs,
    pages_supervisor,
    public,
    security,
    signin_pages,
)
from callkeep.web.templating import STATIC_DIR, human_time, masked_phone, render

# Anyone may use the consumers' pages and the static files; the staff app's routers follow.
public_router = APIRouter(
    include_in_schema=False,
    dependencies=[Depends(permissions.public("the consumers' pages and static files"))],
)

MAX_FORM_BYTES = 16 * 1024
STATIC_FILES = {"site.css": "text/css", "site.js": "text/javascript", "staff.css": "text/css"}
STATIC_FILES["scrub.js"] = "text/javascript"  # the scrub's progress page
FormText = Annotated[str, Form()]


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _limit(request: Request, name: str, default: int) -> int:
    """A rate limit; an installation may set `app.state.public_<name>` to change it."""
    value = getattr(request.app.state, f"public_{name}", default)
    return int(value)


def _form_page(
    *,
    request: Request,
    seller_name: str,
    action: str,
    submission: public.Submission | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    token = security.form_token(request)
    title = "Stop calls to your number"
    response = render(
        "do_not_call.html",
        status_code=status_code,
        title=("Error: " + title) if errors else title,
        site_name=seller_name,
        seller_name=seller_name,
        action=action,
        csrf=token,
        form=submission or public.Submission(),
        errors=errors or {},
    )
    security.set_form_cookie(request, response, token=token, path="/do-not-call")
    return response


def _message(
    title: str, *paragraphs: str, status_code: int, site_name: str = "callkeep"
) -> Response:
    return render(
        "message.html",
        status_code=status_code,
        title=title,
        site_name=site_name,
        paragraphs=list(paragraphs),
    )


def _too_many() -> Response:
    return _message(
        "Please try again later",
        "We have received many requests from your connection in the last hour.",
        "Please wait an hour and send the form again. Your earlier requests are recorded.",
        status_code=429,
    )


def _seller_or_404(rt: AppRuntime, seller_slug: str | None) -> str | Response:
    with rt.db.transaction(read_only=True) as session:
        try:
            return public.seller_name(session=session, ref=seller_slug)
        except (InvalidInput, NotFound):
            if seller_slug is None:
                return _message(
                    "This page is not ready yet",
                    "The business has not finished setting up this page.",
                    "You can still ask them not to call you by phone, by letter or by email.",
                    status_code=503,
                )
            return _message(
                "Page not found",
                "We could not find this page. Check the address, or use the main form.",
                status_code=404,
            )


def _show_form(request: Request, rt: AppRuntime, seller_slug: str | None) -> Response:
    name = _seller_or_404(rt, seller_slug)
    if isinstance(name, Response):
        return name
    action = f"/do-not-call/{seller_slug}" if seller_slug else "/do-not-call"
    return _form_page(request=request, seller_name=name, action=action)


def _receive(
    *,
    request: Request,
    rt: AppRuntime,
    seller_slug: str | None,
    submission: public.Submission,
    csrf: str,
    honeypot: str,
) -> Response:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        return _message("Too much text", "The form was too long to read.", status_code=413)
    name = _seller_or_404(rt, seller_slug)
    if isinstance(name, Response):
        return name
    action = f"/do-not-call/{seller_slug}" if seller_slug else "/do-not-call"
    with rt.db.transaction() as session:
        if not security.allow(
            session=session,
            action="submit",
            address=_address(request),
            per_hour=_limit(request, "submissions_per_hour", security.SUBMISSIONS_PER_HOUR),
        ):
            return _too_many()
    if not security.csrf_matches(cookie=request.cookies.get(security.CSRF_COOKIE), form_value=csrf):
        return _form_page(
            request=request,
            seller_name=name,
            action=action,
            submission=submission,
            errors={"phone": "Your form expired. Check your number and send the form again."},
            status_code=403,
        )
    if honeypot.strip():
        # Filled in by a machine: record nothing, but answer exactly as for a person.
        phone, _ = public.validate(submission)
        return _receipt(
            name,
            requests_service.new_code(),
            utcnow(),
            phone or submission.phone or "0000",
            _checkpoint_in_force(rt),
        )
    with rt.db.transaction() as session:
        outcome = public.submit(session=session, seller_ref=seller_slug, submission=submission)
    if outcome.errors or outcome.received_at is None:
        return _form_page(
            request=request,
            seller_name=name,
            action=action,
            submission=submission,
            errors=outcome.errors,
            status_code=422,
        )
    return _receipt(
        name, outcome.code, outcome.received_at, outcome.masked_from, _checkpoint_in_force(rt)
    )


def _checkpoint_in_force(rt: Runtime) -> CheckpointOut | None:
    with rt.db.transaction(read_only=True) as session:
        return requests_peers.checkpoint_in_force(session=session)


def _receipt(
    seller_name: str,
    code: str,
    received_at: datetime,
    phone: str,
    checkpoint: CheckpointOut | None = None,
) -> Response:
    return render(
        "confirmation.html",
        title="Your request is recorded",
        site_name=seller_name,
        seller_name=seller_name,
        code=code,
        received=human_time(received_at),
        masked_phone=masked_phone(phone),
        checkpoint=checkpoint,
    )


@public_router.get("/do-not-call/status")
def status_page(request: Request, rt: AppRuntime, code: str | None = None) -> Response:
    """Looks up one request by its code; unknown codes all get the same answer."""
    context: dict[str, Any] = {"looked_up": False, "form": {"code": ""}}
    if code is not None:
        typed = code.strip()[:40]
        with rt.db.transaction() as session:
            if not security.allow(
                session=session,
                action="lookup",
                address=_address(request),
                per_hour=_limit(request, "lookups_per_hour", security.LOOKUPS_PER_HOUR),
            ):
                return _too_many()
            found = public.lookup(session=session, code=typed) if typed else None
        context = {"looked_up": bool(typed), "form": {"code": typed}, "found": found is not None}
        if not typed:
            context["errors"] = {"code": "Enter the confirmation code from your receipt."}
        if found is not None:
            context |= {
                "code": requests_service.normalize_code(typed),
                "status_text": found.status_text,
                "received": human_time(found.received_at),
                "seller_name": found.seller_name,
                "masked_phone": masked_phone(found.phone),
            }
    return render("status.html", title="Check your request", **context)


@public_router.get("/do-not-call")
def form_page(request: Request, rt: AppRuntime) -> Response:
    """The public form for the default seller."""
    return _show_form(request, rt, None)


@public_router.post("/do-not-call")
def submit_form(
    request: Request,
    rt: AppRuntime,
    phone: FormText = "",
    name: FormText = "",
    email: FormText = "",
    csrf: FormText = "",
    website: FormText = "",
) -> Response:
    """Records a request for the default seller and shows the receipt."""
    submission = public.Submission(phone=phone, name=name.strip(), email=email.strip())
    return _receive(
        request=request, rt=rt, seller_slug=None, submission=submission, csrf=csrf, honeypot=website
    )


@public_router.get("/do-not-call/{seller_slug}")
def seller_form_page(seller_slug: str, request: Request, rt: AppRuntime) -> Response:
    """The public form for one seller, where a business calls for several."""
    return _show_form(request, rt, seller_slug)


@public_router.post("/do-not-call/{seller_slug}")
def seller_submit_form(
    seller_slug: str,
    request: Request,
    rt: AppRuntime,
    phone: FormText = "",
    name: FormText = "",
    email: FormText = "",
    csrf: FormText = "",
    website: FormText = "",
) -> Response:
    """Records a request for one seller and shows the receipt."""
    submission = public.Submission(phone=phone, name=name.strip(), email=email.strip())
    return _receive(
        request=request,
        rt=rt,
        seller_slug=seller_slug,
        submission=submission,
        csrf=csrf,
        honeypot=website,
    )


@public_router.get("/static/{name}")
def static_file(name: str) -> Response:
    """The pages' stylesheet and script (a fixed list; nothing else is served)."""
    media_type = STATIC_FILES.get(name)
    if media_type is None:
        return Response(status_code=404)
    response = FileResponse(STATIC_DIR / name, media_type=media_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


router = APIRouter()
router.include_router(public_router)
router.include_router(signin_pages.router)
router.include_router(pages_dashboard.router)
router.include_router(pages_records.router)
router.include_router(pages_compliance.router)
router.include_router(pages_scrubs.router)
router.include_router(pages_admin.router)
router.include_router(pages_reports.router)
router.include_router(pages_review.router)
router.include_router(pages_supervisor.router)
