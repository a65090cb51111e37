"""The dashboard's figures: each chart is a table of numbers counted by its domain's service
(records, checks, requests, lists); the chart, the table under it and its CSV show the same
rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.orm import Session

from callkeep.checks import stats as check_stats
from callkeep.lists import ages
from callkeep.lists.service import SAFE_HARBOR_DAYS
from callkeep.records import service as records
from callkeep.requests import service as requests_service
from callkeep.requests.schemas import RequestStatus
from callkeep.web.scope import Scope

Cell = str | int | float


@dataclass
class Figure:
    """One chart's numbers: a title, column headers and rows; `kind` says how to draw it."""

    name: str
    title: str
    kind: str  # "stacked" (rows: label, then one column per series), "bars", "line", "limit"
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""
    limit: float | None = None  # a line to draw (31 days, 3 %)


def _bucket(scope: Scope) -> tuple[str, Callable[[date], date]]:
    """Days for a period up to 45 days, weeks (from Monday) up to 200, months beyond: a chart
    keeps few enough bars to read (and to draw quickly)."""
    days = (scope.last - scope.first).days
    if days < 45:
        return "day", lambda d: d
    if days < 200:
        return "week of", lambda d: d - timedelta(days=d.weekday())
    return "month of", lambda d: d.replace(day=1)


def calls_by_disposition(session: Session, scope: Scope) -> Figure:
    unit, bucket = _bucket(scope)
    counted: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    kinds: set[str] = set()
    for day, disposition, calls in records.calls_by_day(session=session, where=scope.calls):
        counted[bucket(day)][disposition] += calls
        kinds.add(disposition)
    series = sorted(kinds)
    figure = Figure("calls", "Calls by disposition", "stacked", [unit, *series, "total"])
    for day in sorted(counted):
        values = [counted[day].get(k, 0) for k in series]
        figure.rows.append([day.isoformat(), *values, sum(values)])
    return figure


def checks_by_reason(session: Session, scope: Scope) -> Figure:
    counts = check_stats.decision_counts(
        session=session,
        since=scope.since,
        until=scope.until,
        seller_ids=scope.seller_ids,
        campaign_ids=scope.campaign_ids,
    )
    figure = Figure(
        "checks",
        "Checks allowed, and blocked by reason",
        "bars",
        ["outcome", "checks"],
        note=f"{counts.blocked} checks were blocked; one check may have several reasons.",
    )
    figure.rows.append(["allowed", counts.allowed])
    figure.rows += [[f"blocked: {code}", n] for code, n in counts.by_reason]
    return figure


def dnc_deadlines(session: Session, scope: Scope) -> Figure:
    figure = Figure(
        "dnc",
        "Do-Not-Call requests received in the period, by deadline",
        "bars",
        ["status", "requests"],
        note="Met: honored within ten business days; open: still in time; overdue: not honored in time.",
    )
    sellers = [
        s.slug for s in scope.sellers if scope.seller_ids is None or s.id in scope.seller_ids
    ]
    for status in RequestStatus:
        total = 0
        for seller in [None] if scope.seller_ids is None else sellers:
            total += requests_service.list_requests(
                session=session,
                seller=seller,
                since=scope.since,
                until=scope.until - timedelta(seconds=1),
                status=status,
                limit=1,
            )[1]
        figure.rows.append([status.value, total])
    return figure


def registry_age(session: Session, scope: Scope) -> Figure:
    figure = Figure(
        "registry",
        f"National registry age against the {SAFE_HARBOR_DAYS}-day line",
        "limit",
        ["day", "version", "age in days", "within safe harbor"],
        limit=SAFE_HARBOR_DAYS,
    )
    for item in ages.registry_ages(session=session, first=scope.first, last=scope.last):
        figure.rows.append(
            [
                item.day.isoformat(),
                item.version or "none",
                "" if item.age_days is None else item.age_days,
                "no" if item.stale else "yes",
            ]
        )
    return figure


def abandonment(session: Session, scope: Scope) -> Figure:
    figure = Figure(
        "abandonment",
        "Abandonment per campaign against 3%",
        "limit_bars",
        ["campaign", "answered", "abandoned", "rate %", "over 3%"],
        note="Over the whole period chosen; the TSR counts each campaign's 30-day periods "
        "(see the compliance report).",
        limit=records.ABANDONMENT_LIMIT * 100,
    )
    for row in records.abandonment(session=session, where=scope.calls):
        figure.rows.append(
            [
                row.campaign,
                row.answered,
                row.abandoned,
                round(row.rate * 100, 2),
                "yes" if row.over_limit else "no",
            ]
        )
    return figure


def answer_rate_by_hour(session: Session, scope: Scope) -> Figure:
    figure = Figure(
        "hours",
        "Answer rate by hour of the called party's local time",
        "rate",
        ["local hour", "calls", "answered", "rate %"],
        note="Local time by the number's area code (its first time zone).",
    )
    for row in records.answer_rate_by_local_hour(session=session, where=scope.calls):
        figure.rows.append(
            [f"{row.hour:02d}:00", row.calls, row.answered, round(row.rate * 100, 1)]
        )
    return figure


FIGURES: dict[str, Callable[[Session, Scope], Figure]] = {
    "calls": calls_by_disposition,
    "checks": checks_by_reason,
    "dnc": dnc_deadlines,
    "registry": registry_age,
    "abandonment": abandonment,
    "hours": answer_rate_by_hour,
}


def figures(*, session: Session, scope: Scope) -> list[Figure]:
    """Every chart of the dashboard, in order."""
    return [build(session, scope) for build in FIGURES.values()]


def outcomes(*, session: Session, scope: Scope) -> Figure:
    """The sales team's table: calls by campaign, agent and outcome."""
    figure = Figure(
        "outcomes",
        "Outcomes by campaign and agent",
        "table",
        ["campaign", "agent", "outcome", "calls"],
    )
    for row in records.outcomes(session=session, where=scope.calls):
        figure.rows.append([row.campaign, row.agent, row.outcome, row.calls])
    return figure
