"""`/` (the dashboard), its charts and CSV files, and `/trends` for the sales team."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Response

from callkeep.auth.roles import Role
from callkeep.auth.sessions import StaffUser
from callkeep.errors import NotFound
from callkeep.kit.http import AppRuntime
from callkeep.records import service as records
from callkeep.web import charts, dashboard, scope
from callkeep.web.staff import StaffRoute, nav_entry, page, staff_page

router = APIRouter(include_in_schema=False, route_class=StaffRoute)

DASHBOARD = nav_entry(
    "/",
    "Dashboard",
    {Role.ADMIN, Role.COMPLIANCE, Role.SUPERVISOR, Role.AGENT, Role.AUDITOR},
)
TRENDS = nav_entry(
    "/trends", "Trends", {Role.ADMIN, Role.COMPLIANCE, Role.SUPERVISOR, Role.AUDITOR}
)
Viewer = Annotated[StaffUser, Depends(page(DASHBOARD))]
TrendViewer = Annotated[StaffUser, Depends(page(TRENDS))]
Text = Annotated[str | None, Query(max_length=100)]


@dataclass(frozen=True)
class Filters:
    """The filters a page was asked for, as typed (checked by `scope.resolve`)."""

    seller: str | None
    campaign: str | None
    first: str | None
    last: str | None


def _asked(
    seller: Text = None,
    campaign: Text = None,
    first: Annotated[str | None, Query(alias="from", max_length=20)] = None,
    last: Annotated[str | None, Query(alias="to", max_length=20)] = None,
) -> Filters:
    return Filters(seller=seller, campaign=campaign, first=first, last=last)


Asked = Annotated[Filters, Depends(_asked)]


def count_days(rt: AppRuntime, chosen: scope.Scope) -> None:
    """Brings the daily roll-ups of the period up to date (a write only when calls changed)."""
    with rt.db.transaction() as session:
        records.refresh_rollups(session=session, first=chosen.first, last=chosen.last)


@router.get("/")
def dashboard_page(
    rt: AppRuntime,
    user: Viewer,
    asked: Asked,
) -> Response:
    """Whether the business is safe: six charts, each with its numbers and a CSV."""
    with rt.db.transaction(read_only=True) as session:
        chosen = scope.resolve(session=session, user=user, **asdict(asked))
    count_days(rt, chosen)
    with rt.db.transaction(read_only=True) as session:
        figures = dashboard.figures(session=session, scope=chosen)
    query = urlencode(chosen.query())
    return staff_page(
        "staff/dashboard.html",
        user=user,
        title="Dashboard",
        current="/",
        scope=chosen,
        figures=figures,
        query=query,
    )


def _figure(rt: AppRuntime, user: StaffUser, name: str, asked: Filters) -> dashboard.Figure:
    build = dashboard.FIGURES.get(name)
    if build is None:
        raise NotFound(f"no chart {name!r}")
    with rt.db.transaction(read_only=True) as session:
        chosen = scope.resolve(session=session, user=user, **asdict(asked))
    count_days(rt, chosen)
    with rt.db.transaction(read_only=True) as session:
        return build(session, chosen)


@router.get("/dashboard/charts/{name}.svg")
def chart_image(
    name: str,
    rt: AppRuntime,
    user: Viewer,
    asked: Asked,
) -> Response:
    """One chart of the dashboard as an SVG image, for the same filters."""
    figure = _figure(rt, user, name, asked)
    return Response(
        charts.svg(figure),
        media_type="image/svg+xml",
        headers={
            "Content-Security-Policy": charts.SVG_CSP,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=60",
        },
    )


@router.get("/dashboard/{name}.csv")
def chart_csv(
    name: str,
    rt: AppRuntime,
    user: Viewer,
    asked: Asked,
) -> Response:
    """One chart's numbers as CSV."""
    figure = _figure(rt, user, name, asked)
    return Response(
        charts.csv_text(figure),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="callkeep-{figure.name}.csv"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/trends")
def trends_page(
    rt: AppRuntime,
    user: TrendViewer,
    asked: Asked,
) -> Response:
    """For the sales team: outcomes by campaign and agent, and the best hours to call."""
    with rt.db.transaction(read_only=True) as session:
        chosen = scope.resolve(session=session, user=user, **asdict(asked), default_days=90)
    count_days(rt, chosen)
    with rt.db.transaction(read_only=True) as session:
        outcomes = dashboard.outcomes(session=session, scope=chosen)
        hours = dashboard.answer_rate_by_hour(session, chosen)
    best = sorted(hours.rows, key=lambda r: (-float(r[3]), r[0]))[:3]
    return staff_page(
        "staff/trends.html",
        user=user,
        title="Trends",
        current="/trends",
        scope=chosen,
        outcomes=outcomes,
        hours=hours,
        best=best,
        query=urlencode(chosen.query()),
    )
