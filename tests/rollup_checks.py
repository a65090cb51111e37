"""Holds the staff app's daily roll-ups equal to counting the calls themselves, for the tests
of every path that writes calls (records, the batch API, dialers' files)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import delete

from callkeep.kit.clock import utcnow
from callkeep.kit.runtime import Runtime
from callkeep.records import call_pages, rollups, trends
from callkeep.records.models import CallDayCounted

DAYS = 45  # the tests place their calls within the last 40 days


def period() -> trends.CallFilter:
    """The last `DAYS` days, today included."""
    today = utcnow().date()
    return trends.CallFilter(
        since=datetime.combine(today - timedelta(days=DAYS - 1), time(), tzinfo=UTC),
        until=datetime.combine(today + timedelta(days=1), time(), tzinfo=UTC),
    )


def count_days(rt: Runtime) -> None:
    """What a page does before it reads: the roll-ups of the period brought up to date."""
    where = period()
    with rt.db.transaction() as s:
        rollups.refresh(
            session=s, first=where.since.date(), last=(where.until - timedelta(days=1)).date()
        )


def figures(rt: Runtime) -> tuple[object, ...]:
    """Every figure the roll-ups serve: trends, dashboard, the calls list's counts."""
    where = period()
    with rt.db.transaction(read_only=True) as s:
        return (
            trends.outcomes(session=s, where=where),
            trends.calls_by_day(session=s, where=where),
            trends.abandonment(session=s, where=where),
            trends.answer_rate_by_local_hour(session=s, where=where),
            trends.calls_a_day(session=s, where=where),
            call_pages.call_page(session=s, where=where, phone=None, limit=5).total,
        )


def assert_rolled_up_as_counted(rt: Runtime) -> tuple[object, ...]:
    """After a write: the roll-ups, brought up to date as a page does, give the figures that
    counting the calls alone gives (every counted day forgotten). Returns the figures."""
    count_days(rt)
    where = period()
    with rt.db.transaction(read_only=True) as s:
        assert rollups.counted_days(
            session=s, first=where.since.date(), last=utcnow().date() - timedelta(days=1)
        )
    rolled = figures(rt)
    with rt.db.transaction() as s:
        s.execute(delete(CallDayCounted))
    counted = figures(rt)
    assert rolled == counted
    count_days(rt)
    return counted
