"""The calls list, one page at a time, newest first in a stable order: start time, then id.

A page is asked for by its position (an offset, as in "page 1,001 of the year") or by the call
just before or after it (a `Position`, carried by the page's next and previous links). Neither
walks the calls ahead of the page: an offset is first turned into a day by the daily roll-ups'
counts (`records/rollups.py`), and only the calls of that day ahead of the page are skipped
through the (started_at, id) index; the total and a cursor's place are the roll-ups' sums plus
one day's count. A number asked for (`phone`), or the numbers an agent works (`numbers`, from
`records/worked.py`), are found by their own index and counted directly: few calls, no roll-up
knows them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from callkeep.errors import InvalidInput
from callkeep.kit.clock import iso
from callkeep.records.models import Call
from callkeep.records.trends import CallFilter, calls_a_day

SEPARATOR = "~"


@dataclass(frozen=True)
class Position:
    """One call's place in the order: its start time (UTC, to the second) and its id."""

    started_at: datetime
    call_id: str

    @property
    def token(self) -> str:
        """The position as a link carries it: `2026-11-30T14:05:09Z~01J…`."""
        return f"{iso(self.started_at)}{SEPARATOR}{self.call_id}"

    @classmethod
    def parse(cls, text: str, field: str) -> Position:
        """Reads a token; a malformed one is bad input naming the parameter."""
        stamp, _, call_id = text.partition(SEPARATOR)
        try:
            started = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            started = None
        if started is None or started.tzinfo is None or not call_id.isalnum():
            raise InvalidInput.for_field(field, f"{text!r} is not a position in the calls list")
        return cls(started.astimezone(UTC), call_id)

    @classmethod
    def of(cls, call: Call) -> Position:
        assert call.started_at is not None  # only calls of a period are listed
        return cls(call.started_at, call.id)


@dataclass(frozen=True)
class CallPage:
    """One page of calls, where it starts among all of them, and the links' positions."""

    calls: list[Call]
    total: int
    offset: int  # how many calls come before the first of this page
    newer: Position | None  # the first call, when there are newer ones (the previous page)
    older: Position | None  # the last call, when there are older ones (the next page)


@dataclass(frozen=True)
class Narrowed:
    """What narrows the list beyond its period, sellers and campaigns: one number asked for,
    and the numbers someone works (a subquery of numbers, None for every number)."""

    phone: str | None = None
    numbers: Select[Any] | None = None

    @property
    def direct(self) -> bool:
        """Whether the list is counted from the calls themselves rather than the roll-ups."""
        return bool(self.phone) or self.numbers is not None


def _conditions(where: CallFilter, narrowed: Narrowed) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = [
        Call.started_at >= where.since,
        Call.started_at < where.until,
    ]
    if where.seller_ids is not None:
        found.append(Call.seller_id.in_(sorted(where.seller_ids)))
    if where.campaign_ids is not None:
        found.append(Call.campaign_id.in_(sorted(where.campaign_ids)))
    if narrowed.phone:
        found.append(Call.called_number == narrowed.phone)
    if narrowed.numbers is not None:
        found.append(Call.called_number.in_(narrowed.numbers))
    return found


def _older_than(at: Position) -> ColumnElement[bool]:
    # the first term alone is a range of the index; the second settles a tie in start time
    return and_(
        Call.started_at <= at.started_at,
        or_(Call.started_at < at.started_at, Call.id < at.call_id),
    )


def _newer_than(at: Position) -> ColumnElement[bool]:
    return and_(
        Call.started_at >= at.started_at,
        or_(Call.started_at > at.started_at, Call.id > at.call_id),
    )


def _midnight(moment: datetime) -> datetime:
    return datetime.combine(moment.astimezone(UTC).date(), time(), tzinfo=UTC)


def _count(session: Session, conditions: list[ColumnElement[bool]]) -> int:
    return int(session.scalar(select(func.count()).select_from(Call).where(*conditions)) or 0)


def _total(session: Session, where: CallFilter, narrowed: Narrowed) -> int:
    if narrowed.direct:
        return _count(session, _conditions(where, narrowed))
    return sum(n for _day, n in calls_a_day(session=session, where=where))


def _newer_count(session: Session, where: CallFilter, narrowed: Narrowed, at: Position) -> int:
    """How many calls of the list come before `at`: the calls of its own day counted from
    the index, the days after it from the roll-ups."""
    if narrowed.direct:
        return _count(session, [*_conditions(where, narrowed), _newer_than(at)])
    day_start = _midnight(at.started_at)
    day_end = day_start + timedelta(days=1)
    # one range of the index: the engine keeps one lower bound of several, so give it one
    own_day = replace(where, since=max(where.since, day_start), until=min(where.until, day_end))
    found = _count(session, [*_conditions(own_day, narrowed), _newer_than(at)])
    if day_end < where.until:
        found += _total(session, replace(where, since=max(where.since, day_end)), narrowed)
    return found


def _page(
    session: Session, conditions: list[ColumnElement[bool]], limit: int, skip: int = 0
) -> list[Call]:
    return list(
        session.scalars(
            select(Call)
            .where(*conditions)
            .order_by(Call.started_at.desc(), Call.id.desc())
            .offset(skip)
            .limit(limit)
        )
    )


def _seek(
    session: Session,
    where: CallFilter,
    narrowed: Narrowed,
    offset: int,
    limit: int,
    days: list[tuple[date, int]],
) -> list[Call]:
    """The page `offset` calls from the newest: whole days (`days`, newest first, with their
    calls) skipped by their counts, then the rest of one day through the index."""
    conditions = _conditions(where, narrowed)
    if narrowed.direct or offset == 0:
        return _page(session, conditions, limit, offset)
    skipped = 0
    for day, calls in days:
        if skipped + calls > offset:
            day_end = datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
            return _page(session, [*conditions, Call.started_at < day_end], limit, offset - skipped)
        skipped += calls
    return []


def call_page(
    *,
    session: Session,
    where: CallFilter,
    phone: str | None,
    limit: int,
    offset: int = 0,
    before: Position | None = None,
    after: Position | None = None,
    numbers: Select[Any] | None = None,
) -> CallPage:
    """The calls of the period, newest first: `limit` of them from `offset`, or the ones just
    older than `before` (the next page), or just newer than `after` (the previous page);
    only the calls to `numbers` (a subquery, `records.worked_numbers`) when given."""
    narrowed = Narrowed(phone, numbers)
    conditions = _conditions(where, narrowed)
    days = [] if narrowed.direct else calls_a_day(session=session, where=where)
    total = _count(session, conditions) if narrowed.direct else sum(n for _day, n in days)
    if before is not None:
        rows = _page(session, [*conditions, _older_than(before)], limit)
        offset = _newer_count(session, where, narrowed, before) + 1  # and `before` itself
    elif after is not None:
        newer = list(
            session.scalars(
                select(Call)
                .where(*conditions, _newer_than(after))
                .order_by(Call.started_at.asc(), Call.id.asc())
                .limit(limit)
            )
        )
        rows = newer[::-1]
        offset = max(0, _newer_count(session, where, narrowed, after) - len(rows))
    else:
        rows = _seek(session, where, narrowed, offset, limit, days)
    return CallPage(
        calls=rows,
        total=total,
        offset=offset,
        newer=Position.of(rows[0]) if rows and offset > 0 else None,
        older=Position.of(rows[-1]) if rows and offset + len(rows) < total else None,
    )
