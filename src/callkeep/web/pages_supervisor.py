"""`/team-report`: a supervisor's own figures, for the sellers and campaigns assigned to them.

Calls by disposition, abandonment per campaign against 3 %, and Do-Not-Call requests with their
deadlines, all counted by the same service functions as the dashboard and narrowed by
`scope.resolve`, so a supervisor never sees another seller's numbers. (The compliance report
on `/reports` re-decides every call and is not scoped; supervisors do not see it.)
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from callkeep.auth import access
from callkeep.auth.roles import Role
from callkeep.auth.sessions import StaffUser
from callkeep.kit.http import AppRuntime
from callkeep.records import service as records
from callkeep.requests import service as requests_service
from callkeep.requests.schemas import DncRequestOut, RequestStatus
from callkeep.web import dashboard, scope
from callkeep.web.pages_dashboard import Asked
from callkeep.web.staff import StaffRoute, nav_entry, page, staff_page

router = APIRouter(include_in_schema=False, route_class=StaffRoute)

TEAM = nav_entry(
    "/team-report", "Team report", {Role.SUPERVISOR, Role.ADMIN, Role.COMPLIANCE, Role.AUDITOR}
)
WAITING = (RequestStatus.OPEN, RequestStatus.OVERDUE)
SHOWN = 100


def _totals(figure: dashboard.Figure) -> dashboard.Figure:
    """The calls of the whole period by disposition (the dashboard's figure, summed)."""
    series = [h for h in figure.headers[1:] if h != "total"]
    totals = [sum(int(row[i + 1]) for row in figure.rows) for i in range(len(series))]
    summed = dashboard.Figure(
        "calls", "Calls of the period by disposition", "bars", ["disposition", "calls"]
    )
    summed.rows = [[name, n] for name, n in zip(series, totals, strict=True)]
    return summed


@router.get("/team-report")
def team_report(
    rt: AppRuntime, user: Annotated[StaffUser, Depends(page(TEAM))], asked: Asked
) -> Response:
    """The figures of the user's sellers and campaigns for a period (supervisors: theirs)."""
    with rt.db.transaction(read_only=True) as session:
        chosen = scope.resolve(session=session, user=user, **asdict(asked))
    with rt.db.transaction() as session:  # the days' roll-ups, as the dashboard keeps them
        records.refresh_rollups(session=session, first=chosen.first, last=chosen.last)
    with rt.db.transaction(read_only=True) as session:
        figures = [
            _totals(dashboard.calls_by_disposition(session, chosen)),
            dashboard.abandonment(session, chosen),
            dashboard.dnc_deadlines(session, chosen),
        ]
        sellers = [
            s.slug for s in chosen.sellers if chosen.seller_ids is None or s.id in chosen.seller_ids
        ]
        waiting: list[DncRequestOut] = []
        for seller in [None] if chosen.seller_ids is None else sellers:
            for status in WAITING:
                rows, _ = requests_service.list_requests(
                    session=session,
                    seller=seller,
                    since=chosen.since,
                    until=chosen.until - timedelta(seconds=1),
                    status=status,
                    limit=SHOWN,
                )
                waiting += [requests_service.to_out(r) for r in rows]
    waiting.sort(key=lambda r: (str(r.deadline), r.id))
    access.record_reads(
        db=rt.db,
        actor=user.principal.actor,
        entity_type="dnc_requests",
        entity_ids=[r.id for r in waiting[:SHOWN]],
        via="GET /team-report",
    )
    over = [row for row in figures[1].rows if row[-1] == "yes"]
    return staff_page(
        "staff/team_report.html",
        user=user,
        title="Team report",
        current="/team-report",
        scope=chosen,
        figures=figures,
        calls_total=sum(int(row[1]) for row in figures[0].rows),
        campaigns_over=over,
        waiting=waiting[:SHOWN],
    )
