"""What the call records say in aggregate: calls a day by disposition, abandonment per
campaign, answer rates by the called party's local hour, outcomes by campaign and agent.

Every figure is counted by the database (`GROUP BY`); the few hundred groups that come back
are only labelled here. The staff app's dashboard and trends pages read these functions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Integer, case, cast, func, select
from sqlalchemy.orm import Session

from callkeep.kit.clock import utcnow
from callkeep.phone import geo
from callkeep.records import rollups
from callkeep.records.models import Call, CallDayCount, CallHourCount, CallOutcomeCount
from callkeep.records.parties.models import Campaign

ANSWERED = ("answered_person", "transferred")  # a person answered (the TSR's "answered")
ABANDONED = ("dropped", "abandoned")
ABANDONMENT_LIMIT = 0.03  # 16 CFR 310.4(b)(4)(i): at most 3 % of calls answered by a person


@dataclass(frozen=True)
class CallFilter:
    """Which calls: started in [since, until), of these sellers (None: all), one campaign."""

    since: datetime
    until: datetime
    seller_ids: frozenset[str] | None = None
    campaign_ids: frozenset[str] | None = None


def _where(f: CallFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Call.started_at >= f.since, Call.started_at < f.until]
    if f.seller_ids is not None:
        conditions.append(Call.seller_id.in_(sorted(f.seller_ids)))
    if f.campaign_ids is not None:
        conditions.append(Call.campaign_id.in_(sorted(f.campaign_ids)))
    return conditions


def _day(session: Session) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(Call.started_at, 1, 10)
    return func.to_char(Call.started_at, "YYYY-MM-DD")


def _hour(session: Session) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.substr(Call.started_at, 12, 2), Integer)
    return cast(func.extract("hour", Call.started_at), Integer)


def _month(session: Session) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(Call.started_at, 1, 7)
    return func.to_char(Call.started_at, "YYYY-MM")


def _midnight(moment: datetime) -> bool:
    return moment.astimezone(UTC).time() == time()


def _split(session: Session, where: CallFilter) -> tuple[tuple[date, date] | None, CallFilter]:
    """The complete days of the period the roll-ups have counted, and the rest, to be counted
    from the calls themselves (today, or everything when the roll-ups lack a day)."""
    today = datetime.combine(utcnow().date(), time(), tzinfo=UTC)
    if not (_midnight(where.since) and _midnight(where.until)) or where.since >= today:
        return None, where
    rolled_until = min(where.until, today)
    first, last = where.since.date(), rolled_until.date() - timedelta(days=1)
    if not rollups.counted_days(session=session, first=first, last=last):
        return None, where
    live = CallFilter(
        since=rolled_until,
        until=max(where.until, rolled_until),
        seller_ids=where.seller_ids,
        campaign_ids=where.campaign_ids,
    )
    return (first, last), live


def _rolled(
    where: CallFilter, days: tuple[date, date], table: Any = CallDayCount
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [table.day >= days[0], table.day <= days[1]]
    if where.seller_ids is not None:
        conditions.append(table.seller_id.in_(sorted(where.seller_ids)))
    if where.campaign_ids is not None:
        conditions.append(table.campaign_id.in_(sorted(where.campaign_ids)))
    return conditions


def calls_by_day(*, session: Session, where: CallFilter) -> list[tuple[date, str, int]]:
    """(day, disposition, calls) for every day and disposition with calls, oldest first."""
    days, live = _split(session, where)
    found: dict[tuple[date, str], int] = defaultdict(int)
    if days is not None:
        r = CallDayCount
        disposition = func.coalesce(func.nullif(r.disposition, ""), "unknown")
        for d, k, n in session.execute(
            select(r.day, disposition, func.sum(r.calls))
            .where(*_rolled(where, days))
            .group_by(r.day, disposition)
        ):
            found[(d, str(k))] += int(n)
    for d, k, n in _calls_by_day_live(session, live):
        found[(d, k)] += n
    return [(d, k, n) for (d, k), n in sorted(found.items())]


def _calls_by_day_live(session: Session, where: CallFilter) -> list[tuple[date, str, int]]:
    day = _day(session)
    disposition = func.coalesce(Call.disposition, "unknown")
    rows = session.execute(
        select(day, disposition, func.count())
        .where(*_where(where))
        .group_by(day, disposition)
        .order_by(day, disposition)
    )
    return [(date.fromisoformat(d), str(k), int(n)) for d, k, n in rows]


@dataclass(frozen=True)
class Abandonment:
    campaign: str
    answered: int
    abandoned: int

    @property
    def rate(self) -> float:
        return self.abandoned / self.answered if self.answered else 0.0

    @property
    def over_limit(self) -> bool:
        return self.rate > ABANDONMENT_LIMIT


def abandonment(*, session: Session, where: CallFilter) -> list[Abandonment]:
    """Per campaign over the period: calls answered by a person (plus the abandoned ones, as
    the TSR counts them) and calls abandoned."""
    days, live = _split(session, where)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    if days is not None:
        r = CallDayCount
        rolled_abandoned = func.sum(case((r.disposition.in_(ABANDONED), r.calls), else_=0))
        rolled_answered = func.sum(
            case((r.disposition.in_((*ANSWERED, *ABANDONED)), r.calls), else_=0)
        )
        for c, a, b in session.execute(
            select(func.coalesce(Campaign.slug, "(no campaign)"), rolled_answered, rolled_abandoned)
            .select_from(r)
            .outerjoin(Campaign, Campaign.id == r.campaign_id)
            .where(*_rolled(where, days))
            .group_by(Campaign.slug)
        ):
            totals[str(c)][0] += int(a or 0)
            totals[str(c)][1] += int(b or 0)
    for row in _abandonment_live(session, live):
        totals[row.campaign][0] += row.answered
        totals[row.campaign][1] += row.abandoned
    return [Abandonment(c, a, b) for c, (a, b) in sorted(totals.items())]


def _abandonment_live(session: Session, where: CallFilter) -> list[Abandonment]:
    abandoned = func.sum(case((Call.disposition.in_(ABANDONED), 1), else_=0))
    answered = func.sum(case((Call.disposition.in_((*ANSWERED, *ABANDONED)), 1), else_=0))
    rows = session.execute(
        select(func.coalesce(Campaign.slug, "(no campaign)"), answered, abandoned)
        .select_from(Call)
        .outerjoin(Campaign, Campaign.id == Call.campaign_id)
        .where(*_where(where))
        .group_by(Campaign.slug)
        .order_by(Campaign.slug)
    )
    return [Abandonment(str(c), int(a or 0), int(b or 0)) for c, a, b in rows]


@lru_cache(maxsize=4096)
def _local_hour(area_code: str, month: str, utc_hour: int) -> int | None:
    """The hour at the called number's place (its area code's first zone) for a UTC hour of
    a month (taken mid-month); None for a number with no place."""
    info = geo.area_code_info(int(area_code)) if area_code.isdigit() else None
    if info is None or not info.zones:
        return None
    moment = datetime.fromisoformat(f"{month}-15T{utc_hour:02d}:00:00+00:00")
    return moment.astimezone(ZoneInfo(info.zones[0])).hour


@dataclass(frozen=True)
class HourRate:
    hour: int
    calls: int
    answered: int

    @property
    def rate(self) -> float:
        return self.answered / self.calls if self.calls else 0.0


def answer_rate_by_local_hour(*, session: Session, where: CallFilter) -> list[HourRate]:
    """Calls and calls a person answered, by the hour of day where the called number rings.

    The database groups by area code, month and UTC hour; each group is then placed in its
    area code's zone (daylight saving as of mid-month), so 24 rows come back at most.
    """
    days, live = _split(session, where)
    calls: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    if days is not None:
        hc = CallHourCount
        for h, n, a in session.execute(
            select(hc.local_hour, func.sum(hc.calls), func.sum(hc.answered))
            .where(*_rolled(where, days, hc))
            .group_by(hc.local_hour)
        ):
            calls[int(h)][0] += int(n)
            calls[int(h)][1] += int(a or 0)
    area = func.substr(Call.called_number, 3, 3)
    month, hour = _month(session), _hour(session)
    answered = func.sum(case((Call.disposition.in_(ANSWERED), 1), else_=0))
    rows = session.execute(
        select(area, month, hour, func.count(), answered)
        .where(*_where(live), Call.called_number.like("+1%"))
        .group_by(area, month, hour)
    )
    for code, m, h, n, a in rows:
        local = _local_hour(str(code), str(m), int(h))
        if local is not None:
            calls[local][0] += int(n)
            calls[local][1] += int(a or 0)
    return [HourRate(h, calls[h][0], calls[h][1]) for h in sorted(calls)]


@dataclass(frozen=True)
class Outcome:
    campaign: str
    agent: str
    outcome: str
    calls: int


def outcomes(*, session: Session, where: CallFilter, limit: int = 200) -> list[Outcome]:
    """Calls by campaign, agent (telemarketer) and outcome, most frequent first.

    Complete days come from the daily roll-ups (`call_outcome_counts`), the rest (today) from
    the calls; both label a group alike, so a roll-up never splits one."""
    days, live = _split(session, where)
    found: dict[tuple[str, str, str], int] = defaultdict(int)
    if days is not None:
        r = CallOutcomeCount
        # grouped by the stored columns alone (no join, no expression: a few hundred groups)
        # and labelled here as `_outcomes_live` labels them in SQL
        slugs = dict(session.execute(select(Campaign.id, Campaign.slug)).all())
        for c, a, d, o, n in session.execute(
            select(r.campaign_id, r.agent, r.disposition, r.outcome, func.sum(r.calls))
            .where(*_rolled(where, days, r))
            .group_by(r.campaign_id, r.agent, r.disposition, r.outcome)
        ):
            label = (slugs.get(c) or "(no campaign)", a or "(unknown)", o or d or "(none)")
            found[label] += int(n)
    for row in _outcomes_live(session, live):
        found[(row.campaign, row.agent, row.outcome)] += row.calls
    ranked = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [Outcome(c, a, o, n) for (c, a, o), n in ranked]


def _outcomes_live(session: Session, where: CallFilter) -> list[Outcome]:
    agent = func.coalesce(
        func.nullif(Call.telemarketer_name, ""), func.nullif(Call.employee_id, ""), "(unknown)"
    )
    outcome = func.coalesce(
        func.nullif(Call.outcome, ""), func.nullif(Call.disposition, ""), "(none)"
    )
    campaign = func.coalesce(Campaign.slug, "(no campaign)")
    rows = session.execute(
        select(campaign, agent, outcome, func.count())
        .select_from(Call)
        .outerjoin(Campaign, Campaign.id == Call.campaign_id)
        .where(*_where(where))
        .group_by(campaign, agent, outcome)
    )
    return [Outcome(str(c), str(a), str(o), int(n)) for c, a, o, n in rows]


def calls_a_day(*, session: Session, where: CallFilter) -> list[tuple[date, int]]:
    """How many calls each day of the period holds (days with none left out), newest first:
    complete days from the roll-ups, the rest counted from the calls."""
    days, live = _split(session, where)
    found: dict[date, int] = defaultdict(int)
    if days is not None:
        r = CallDayCount
        for d, n in session.execute(
            select(r.day, func.sum(r.calls)).where(*_rolled(where, days)).group_by(r.day)
        ):
            found[d] += int(n)
    if live.since < live.until:
        for d, _k, n in _calls_by_day_live(session, live):
            found[d] += n
    return sorted(((d, n) for d, n in found.items() if n), reverse=True)
