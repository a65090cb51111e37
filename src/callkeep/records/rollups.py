"""Daily roll-ups of the calls' counts, so the dashboard over a year reads a few thousand rows,
not a million calls. Machinery only: a cache derived from the calls table, never evidence.

Each complete UTC day is counted once, by (seller, campaign, disposition, local hour), and
remembers the ledger sequence it was counted at. Before a read, the days of every call
ledgered since then are counted again (a call posted late, imported from a dialer's file, or
purged), so a roll-up never disagrees with the calls; the current day is always counted live.
`tests/records/test_rollups.py` holds the roll-ups equal to counting the calls directly.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from callkeep.ledger.models import LedgerEntry
from callkeep.records.models import (
    Call,
    CallDayCount,
    CallDayCounted,
    CallHourCount,
    CallOutcomeCount,
)

TABLES = (CallDayCount, CallHourCount, CallOutcomeCount, CallDayCounted)


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _count_days(session: Session, days: list[date], head: int) -> None:
    from callkeep.records.trends import ANSWERED, _hour, _local_hour, _month

    for day in days:
        for table in TABLES:
            session.execute(delete(table).where(table.day == day))
        area = func.substr(Call.called_number, 3, 3)
        month, hour = _month(session), _hour(session)
        rows = session.execute(
            select(
                Call.seller_id, Call.campaign_id, Call.disposition, area, month, hour, func.count()
            )
            .where(
                Call.started_at >= _start(day), Call.started_at < _start(day + timedelta(days=1))
            )
            .group_by(Call.seller_id, Call.campaign_id, Call.disposition, area, month, hour)
        )
        counts: dict[tuple[str, str, str], int] = defaultdict(int)
        hours: dict[tuple[str, str, int], list[int]] = defaultdict(lambda: [0, 0])
        for seller, campaign, disposition, code, m, h, n in rows:
            counts[(seller, campaign or "", disposition or "")] += int(n)
            local = _local_hour(str(code), str(m), int(h)) if code else None
            if local is not None:
                tally = hours[(seller, campaign or "", local)]
                tally[0] += int(n)
                tally[1] += int(n) if disposition in ANSWERED else 0
        session.add_all(
            CallDayCount(day=day, seller_id=s, campaign_id=c, disposition=d, calls=n)
            for (s, c, d), n in counts.items()
        )
        session.add_all(
            CallHourCount(day=day, seller_id=s, campaign_id=c, local_hour=h, calls=n, answered=a)
            for (s, c, h), (n, a) in hours.items()
        )
        _count_outcomes(session, day)
        session.add(CallDayCounted(day=day, ledger_seq=head))
    session.flush()


def _count_outcomes(session: Session, day: date) -> None:
    """The trends page's counts of one day: by agent, disposition and outcome."""
    agent = func.coalesce(func.nullif(Call.telemarketer_name, ""), Call.employee_id, "")
    disposition = func.coalesce(Call.disposition, "")
    outcome = func.coalesce(Call.outcome, "")
    campaign = func.coalesce(Call.campaign_id, "")
    rows = session.execute(
        select(Call.seller_id, campaign, agent, disposition, outcome, func.count())
        .where(Call.started_at >= _start(day), Call.started_at < _start(day + timedelta(days=1)))
        .group_by(Call.seller_id, campaign, agent, disposition, outcome)
    )
    session.add_all(
        CallOutcomeCount(
            day=day, seller_id=s, campaign_id=c, agent=a, disposition=d, outcome=o, calls=n
        )
        for s, c, a, d, o, n in rows
    )


def refresh(*, session: Session, first: date, last: date) -> None:
    """Counts (again) every complete day from `first` to `last` that is missing or has calls
    ledgered since it was counted. Writes: `session` must be writable."""
    today = datetime.now(UTC).date()
    last = min(last, today - timedelta(days=1))
    if last < first:
        return
    head = int(session.scalar(select(func.max(LedgerEntry.seq))) or 0)
    counted = dict(
        session.execute(
            select(CallDayCounted.day, CallDayCounted.ledger_seq).where(
                CallDayCounted.day >= first, CallDayCounted.day <= last
            )
        ).all()
    )
    wanted = {first + timedelta(days=i) for i in range((last - first).days + 1)}
    stale = wanted - set(counted)
    since = min(counted.values()) if counted else head
    if not stale and since == head:
        return  # nothing ledgered since every day was counted: no query of the calls, no write
    if counted and since < head:
        new = select(LedgerEntry.entity_id, LedgerEntry.action).where(
            LedgerEntry.seq > since, LedgerEntry.entity_type == Call.__tablename__
        )
        entries = session.execute(new).all()
        if any(action != "create" for _id, action in entries):
            stale = wanted  # a purge: the removed calls' days are not known any more
        else:
            ids = [entity_id for entity_id, _action in entries]
            for i in range(0, len(ids), 500):
                for started in session.scalars(
                    select(Call.started_at).where(Call.id.in_(ids[i : i + 500]))
                ):
                    if started is not None and started.date() in wanted:
                        stale.add(started.date())
    if stale:
        _count_days(session, sorted(stale), head)
    # every day of the range now reflects the ledger up to `head`
    session.execute(
        update(CallDayCounted)
        .where(CallDayCounted.day >= first, CallDayCounted.day <= last)
        .values(ledger_seq=head)
    )


def rebuild(*, session: Session, first: date | None = None, last: date | None = None) -> int:
    """Forgets every counted day from `first` to `last` (default: all) and counts them again
    from the calls; returns how many days were counted. Writes."""
    if first is None or last is None:
        oldest, newest = session.execute(
            select(func.min(Call.started_at), func.max(Call.started_at))
        ).one()
        if oldest is None or newest is None:
            for table in TABLES:
                session.execute(delete(table))
            return 0
        first = first or oldest.date()
        last = last or newest.date()
    for table in TABLES:
        session.execute(delete(table).where(table.day >= first, table.day <= last))
    session.flush()
    refresh(session=session, first=first, last=last)
    today = datetime.now(UTC).date()
    return max(0, (min(last, today - timedelta(days=1)) - first).days + 1)


def counted_days(*, session: Session, first: date, last: date) -> bool:
    """Whether every day from `first` to `last` is counted (else read the calls instead)."""
    if last < first:
        return True
    found = session.scalar(
        select(func.count()).where(CallDayCounted.day >= first, CallDayCounted.day <= last)
    )
    return int(found or 0) == (last - first).days + 1
