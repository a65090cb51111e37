"""`/reports`: the compliance report of a period, seller and campaign, with its charts, its JSON
(the API's shape) and its PDF, for the people who answer for compliance and those who audit it."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from time import monotonic
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse

from callkeep.auth.sessions import StaffUser
from callkeep.errors import InvalidInput, NotFound
from callkeep.kit.http import AppRuntime
from callkeep.ledger import service as ledger_service
from callkeep.reports import charts, compliance, pdf
from callkeep.reports.endpoints import REPORT_READERS
from callkeep.web.charts import SVG_CSP
from callkeep.web.pages_dashboard import Asked, Filters
from callkeep.web.staff import StaffRoute, nav_entry, page, staff_page

router = APIRouter(include_in_schema=False, route_class=StaffRoute)

REPORTS = nav_entry("/reports", "Compliance report", REPORT_READERS)
Reader = Annotated[StaffUser, Depends(page(REPORTS))]
KEEP_SECONDS = 60.0
KEEP_MAX = 16
# (session, filters) → (when built, ledger size after it, the report); see `_report`.
_KEPT: dict[tuple[str, Filters], tuple[float, int, dict[str, Any]]] = {}
CHART_TITLES = {
    "violations": "Calls per violation code",
    "abandonment": "Abandonment per 30-day window against 3%",
    "registry_age": "Registry age per calling day",
    "dnc_requests": "DNC requests",
}


def _day(text: str | None, field: str) -> date | None:
    if not text or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput.for_field(field, f"{text!r} is not a day such as 2026-11-30") from None


def _report(rt: AppRuntime, user: StaffUser, asked: Filters) -> dict[str, Any]:
    """The report for the filters, as `GET /api/v1/reports/compliance` answers it.

    The page and its four charts ask for the same report at once, and a report re-decides every
    call of the period: it is kept for this session for `KEEP_SECONDS`, as long as the ledger has
    not grown (nothing was written since), so it is built once for the page and its images.
    """
    key = (user.session_id, asked)
    with rt.db.transaction() as session:
        kept = _KEPT.get(key)
        if (
            kept is not None
            and monotonic() - kept[0] < KEEP_SECONDS
            and kept[1] == ledger_service.entry_count(session=session)
        ):
            return kept[2]
        scope = compliance.period(
            session=session,
            date_from=_day(asked.first, "from"),
            date_to=_day(asked.last, "to"),
            seller=(asked.seller or "").strip() or None,
            campaign=(asked.campaign or "").strip() or None,
        )
        report = compliance.build(session=session, actor=user.principal.actor, scope=scope)
    with rt.db.transaction(read_only=True) as session:
        size = ledger_service.entry_count(session=session)
    for old in [k for k, v in _KEPT.items() if monotonic() - v[0] >= KEEP_SECONDS]:
        _KEPT.pop(old, None)
    if len(_KEPT) >= KEEP_MAX:
        _KEPT.pop(next(iter(_KEPT)), None)
    _KEPT[key] = (monotonic(), size, report)
    return report


def _query(asked: Filters) -> str:
    fields = {"from": asked.first, "to": asked.last, "seller": asked.seller}
    fields["campaign"] = asked.campaign
    return urlencode({k: v for k, v in fields.items() if v})


@router.get("/reports")
def reports_page(rt: AppRuntime, user: Reader, asked: Asked) -> Response:
    """The compliance report: figures, charts, tables and its downloads."""
    report = _report(rt, user, asked)
    return staff_page(
        "staff/reports.html",
        user=user,
        title="Compliance report",
        current="/reports",
        report=report,
        asked=asked,
        query=_query(asked),
        charts=CHART_TITLES,
    )


@router.get("/reports/compliance.json")
def report_json(rt: AppRuntime, user: Reader, asked: Asked) -> Response:
    """The same report as JSON, in the API's shape."""
    return JSONResponse(
        _report(rt, user, asked),
        headers={"Content-Disposition": 'attachment; filename="compliance-report.json"'},
    )


@router.get("/reports/compliance.pdf")
def report_pdf(rt: AppRuntime, user: Reader, asked: Asked) -> Response:
    """The same report as a PDF."""
    report = _report(rt, user, asked)
    with tempfile.TemporaryDirectory(prefix="callkeep-report-") as folder:
        out = Path(folder) / "report.pdf"
        pdf.write(report, out)
        body = out.read_bytes()
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="compliance-report.pdf"'},
    )


@router.get("/reports/charts/{name}.svg")
def report_chart(name: str, rt: AppRuntime, user: Reader, asked: Asked) -> Response:
    """One chart of the report as an SVG image, for the same filters."""
    draw = charts.CHARTS.get(name)
    if draw is None:
        raise NotFound(f"there is no chart {name!r}")
    return Response(
        draw(_report(rt, user, asked)),
        media_type="image/svg+xml",
        headers={
            "Content-Security-Policy": SVG_CSP,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=60",
        },
    )
