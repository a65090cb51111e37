"""The report's counts: abandonment per campaign, the registry's age per day, DNC requests.

Abandonment (16 CFR 310.4(b)(4)(i); 47 CFR 64.1200(a)(7)): a call dropped or abandoned counts as
abandoned; `answered` counts the calls a person answered (answered by a person, or transferred)
plus the abandoned ones. The TSR measures each successive 30-day period from the campaign's first
call; the FCC any 30 days, so the worst rolling 30 days is reported too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callkeep.checks import engine
from callkeep.checks import peers as check_peers
from callkeep.records import service as records
from callkeep.requests.deadlines import deadline_end
from callkeep.requests.models import DncRequest

if TYPE_CHECKING:
    from callkeep.reports.compliance import Period

WINDOW_DAYS = 30
ABANDONMENT_LIMIT = 0.03  # 16 CFR 310.4(b)(4)(i); 47 CFR 64.1200(a)(7)
ABANDONED = frozenset({"dropped", "abandoned"})
ANSWERED = frozenset({"answered_person", "transferred"})


@dataclass
class RegistryDays:
    """Per calling day: the national registry version in force at its first call, its age, and
    every version the day's decisions used."""

    days: dict[date, dict[str, Any]] = field(default_factory=dict)

    def add(self, session: Session, at: datetime, national: str | None) -> None:
        """Counts a decision at `at` that consulted the national version `national`."""
        day = at.date()
        row = self.days.get(day)
        if row is None:
            coverage = check_peers.national_coverage(session=session, at=at)
            age = (day - coverage.as_of).days if coverage.as_of else None
            row = self.days[day] = {
                "day": day.isoformat(),
                "version": coverage.version,
                "age_days": age,
                "stale": age is None or age > engine.SAFE_HARBOR_DAYS,
                "versions": set(),
            }
        if national:
            row["versions"].add(national)

    def rows(self) -> list[dict[str, Any]]:
        return [
            {**row, "versions": sorted(row["versions"])} for _day, row in sorted(self.days.items())
        ]


def _window(first: date, k: int) -> tuple[date, date]:
    start = first + timedelta(days=WINDOW_DAYS * k)
    return start, start + timedelta(days=WINDOW_DAYS - 1)


def _entry(
    campaign: str | None, seller: str, start: date, end: date, answered: int, abandoned: int
) -> dict[str, Any]:
    rate = round(abandoned / answered, 6) if answered else 0.0
    return {
        "campaign": campaign,
        "seller": seller,
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
        "answered": answered,
        "abandoned": abandoned,
        "rate": rate,
        "over_limit": rate > ABANDONMENT_LIMIT,
    }


Key = tuple[str, str | None]  # (seller id, campaign id)


def _daily(
    session: Session, keys: list[Key], start: datetime, end: datetime
) -> dict[Key, dict[date, list[int]]]:
    """Per campaign and day: [calls, answered, abandoned], dispositions as amended."""
    counts: dict[Key, dict[date, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    wanted = set(keys)
    sellers = sorted({seller for seller, _ in keys})
    query = (
        select(
            records.Call.id,
            records.Call.seller_id,
            records.Call.campaign_id,
            records.Call.started_at,
            records.Call.disposition,
        )
        .where(records.Call.seller_id.in_(sellers), records.Call.outbound.is_(True))
        .where(records.Call.started_at >= start, records.Call.started_at < end)
        .execution_options(yield_per=5000)
    )
    for part in session.execute(query).partitions():
        views = {row.id: {"disposition": row.disposition} for row in part}
        records.current_views(session=session, target_type="calls", views=views)
        for row in part:
            key = (row.seller_id, row.campaign_id)
            if key not in wanted:
                continue
            disposition = views[row.id]["disposition"]
            _count(counts[key][row.started_at.date()], disposition)
    return counts


def _count(tally: list[int], disposition: str | None) -> None:
    """One outbound call in its day's tally: [calls, answered (abandoned included), abandoned]."""
    tally[0] += 1
    if disposition in ABANDONED:
        tally[1] += 1
        tally[2] += 1
    elif disposition in ANSWERED:
        tally[1] += 1


@dataclass
class Daily:
    """What `_daily` counts, for the period's outbound calls as the report's pass reads them."""

    counts: dict[Key, dict[date, list[int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    )

    def add(self, original: dict[str, Any], disposition: str | None) -> None:
        """Counts an outbound call (`original`: as recorded) with its current disposition."""
        key = (original["seller_id"], original["campaign_id"])
        _count(self.counts[key][original["started_at"].date()], disposition)


def _daily_around(
    session: Session, keys: list[Key], start: datetime, end: datetime, scope: Period, inside: Daily
) -> dict[Key, dict[date, list[int]]]:
    """`_daily` over [start, end) from `inside` (the period's calls, counted by the pass) and a
    read of the days outside the period only."""
    counts: dict[Key, dict[date, list[int]]] = defaultdict(dict)
    wanted = set(keys)
    for span in ((start, min(end, scope.start)), (max(start, scope.end), end)):
        if span[0] < span[1]:
            for key, days in _daily(session, keys, *span).items():
                counts[key].update(days)
    for key, days in inside.counts.items():
        if key in wanted:
            counts[key].update(days)
    return counts


def abandonment(
    *, session: Session, scope: Period, counted: Daily | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(each campaign's TSR windows that overlap the period, each one's worst rolling 30 days).

    `counted`: the period's calls as the report's pass counted them (then only the days outside
    the period are read)."""
    query = (
        select(records.Call.seller_id, records.Call.campaign_id, func.min(records.Call.started_at))
        .where(records.Call.outbound.is_(True), records.Call.started_at.is_not(None))
        .group_by(records.Call.seller_id, records.Call.campaign_id)
    )
    if scope.seller_id:
        query = query.where(records.Call.seller_id == scope.seller_id)
    if scope.campaign_id:
        query = query.where(records.Call.campaign_id == scope.campaign_id)
    firsts = {(s, c): first.date() for s, c, first in session.execute(query) if first}
    firsts = {k: d for k, d in firsts.items() if d <= scope.last_day}
    if not firsts:
        return [], []
    windows: dict[Key, list[tuple[date, date]]] = {}
    earliest = scope.first_day - timedelta(days=WINDOW_DAYS - 1)
    latest = scope.last_day
    for key, first in firsts.items():
        k = max(0, (scope.first_day - first).days // WINDOW_DAYS)
        spans = []
        while True:
            start, end = _window(first, k)
            if start > scope.last_day:
                break
            spans.append((start, end))
            earliest, latest = min(earliest, start), max(latest, end)
            k += 1
        windows[key] = spans
    span = (
        datetime.combine(earliest, datetime.min.time(), scope.start.tzinfo),
        datetime.combine(latest + timedelta(days=1), datetime.min.time(), scope.start.tzinfo),
    )
    daily = (
        _daily(session, list(firsts), *span)
        if counted is None
        else _daily_around(session, list(firsts), *span, scope, counted)
    )
    names = _names(session, list(firsts))
    tsr: list[dict[str, Any]] = []
    fcc: list[dict[str, Any]] = []
    for key in sorted(firsts, key=lambda k: (names[k][0], names[k][1] or "")):
        seller, campaign = names[key]
        days = daily.get(key, {})
        for start, end in windows[key]:
            inside = [t for d, t in days.items() if start <= d <= end]
            if not any(t[0] for t in inside):
                continue
            tsr.append(
                _entry(
                    campaign,
                    seller,
                    start,
                    end,
                    sum(t[1] for t in inside),
                    sum(t[2] for t in inside),
                )
            )
        worst = _worst_rolling(days, scope.first_day, scope.last_day)
        if worst is not None:
            start, end, answered, abandoned = worst
            fcc.append(_entry(campaign, seller, start, end, answered, abandoned))
    return tsr, fcc


def _worst_rolling(
    days: dict[date, list[int]], first: date, last: date
) -> tuple[date, date, int, int] | None:
    """The 30 days ending on a calling day of the period with the highest abandonment rate."""
    worst: tuple[float, date, date, int, int] | None = None
    for end in sorted(d for d in days if first <= d <= last):
        start = end - timedelta(days=WINDOW_DAYS - 1)
        inside = [t for d, t in days.items() if start <= d <= end]
        answered = sum(t[1] for t in inside)
        abandoned = sum(t[2] for t in inside)
        rate = abandoned / answered if answered else 0.0
        if worst is None or rate > worst[0]:
            worst = (rate, start, end, answered, abandoned)
    return None if worst is None else worst[1:]


def _names(session: Session, keys: list[Key]) -> dict[Key, tuple[str, str | None]]:
    sellers = dict(
        session.execute(
            select(records.Seller.id, records.Seller.slug).where(
                records.Seller.id.in_({s for s, _ in keys})
            )
        ).all()
    )
    campaigns = dict(
        session.execute(
            select(records.Campaign.id, records.Campaign.slug).where(
                records.Campaign.id.in_({c for _, c in keys if c})
            )
        ).all()
    )
    return {(s, c): (sellers.get(s, s), campaigns.get(c, c) if c else None) for s, c in keys}


def dnc_requests(*, session: Session, scope: Period, now: datetime) -> dict[str, int]:
    """The period's DNC requests: received, honored by their deadline (met), not yet honored
    with the deadline still ahead (open), and the rest (overdue: late, or not honored and past
    it). 47 CFR 64.1200(d)(3): ten business days."""
    query = select(DncRequest.deadline, DncRequest.honored_at).where(
        DncRequest.received_at >= scope.start, DncRequest.received_at < scope.end
    )
    if scope.seller_id:
        query = query.where(DncRequest.seller_id == scope.seller_id)
    received = met = open_ = overdue = 0
    for deadline, honored_at in session.execute(query):
        received += 1
        end = deadline_end(deadline)
        if honored_at is not None and honored_at <= end:
            met += 1
        elif honored_at is None and now <= end:
            open_ += 1
        else:
            overdue += 1
    return {"received": received, "met": met, "open": open_, "overdue": overdue}
