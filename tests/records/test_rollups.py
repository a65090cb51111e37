"""The dashboard's daily roll-ups count exactly what counting the calls themselves counts, and
stay so when a call for a past day is recorded late."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import delete

from callkeep.kit.clock import utcnow
from callkeep.kit.runtime import Runtime
from callkeep.records import rollups, trends
from callkeep.records.calls import service as calls
from callkeep.records.models import CallDayCounted
from callkeep.records.parties import sellers
from callkeep.records.parties.schemas import SellerIn
from callkeep.records.schemas import CallIn

DISPOSITIONS = (
    "answered_person",
    "answering_machine",
    "no_answer",
    "busy",
    "dropped",
    "transferred",
)


def post(rt: Runtime, rng: random.Random, count: int, *, days_back: int) -> None:
    now = utcnow()
    batch = []
    for _ in range(count):
        disposition = rng.choice(DISPOSITIONS)
        started = now - timedelta(seconds=rng.randrange(days_back * 86_400))
        batch.append(
            CallIn.model_validate(
                {
                    "telemarketer_name": "Claire",
                    "seller": rng.choice(("roll-a", "roll-b")),
                    "subject": "heat pumps",
                    "consumer_or_business": "consumer",
                    "outbound": True,
                    "prerecorded": False,
                    "calling_number": "+12077840100",
                    "called_number": f"+1{rng.choice((207, 617, 808, 907))}784{rng.randint(1000, 9999)}",
                    "started_at": started.isoformat(),
                    "duration_seconds": 20,
                    "caller_id_number": "+12077840100",
                    "disposition": disposition,
                    "transfer_to": "desk" if disposition == "transferred" else None,
                }
            )
        )
    with rt.db.transaction() as s:
        calls.record_calls(session=s, actor="test", calls=batch)


def figures(rt: Runtime, where: trends.CallFilter) -> tuple[object, ...]:
    with rt.db.transaction(read_only=True) as s:
        return (
            trends.calls_by_day(session=s, where=where),
            trends.abandonment(session=s, where=where),
            trends.answer_rate_by_local_hour(session=s, where=where),
        )


def live(rt: Runtime, where: trends.CallFilter) -> tuple[object, ...]:
    """The figures counted from the calls alone (no day counted)."""
    with rt.db.transaction() as s:
        s.execute(delete(CallDayCounted))
    return figures(rt, where)


def test_roll_ups_count_what_the_calls_count(rt: Runtime) -> None:
    with rt.db.transaction() as s:
        for slug in ("roll-a", "roll-b"):
            sellers.create_seller(session=s, actor="t", seller_in=SellerIn(name=slug, slug=slug))
    rng = random.Random(7)
    post(rt, rng, 400, days_back=19)
    today = utcnow().date()
    first = today - timedelta(days=19)
    where = trends.CallFilter(
        since=datetime.combine(first, time(), tzinfo=UTC),
        until=datetime.combine(today + timedelta(days=1), time(), tzinfo=UTC),
    )
    expected = live(rt, where)
    with rt.db.transaction() as s:
        rollups.refresh(session=s, first=first, last=today)
    with rt.db.transaction(read_only=True) as s:
        assert rollups.counted_days(session=s, first=first, last=today - timedelta(days=1))
    assert figures(rt, where) == expected
    with rt.db.transaction(read_only=True) as s:
        seller_b = sellers.seller_view(session=s, ref="roll-b")["id"]
    only_b = trends.CallFilter(
        since=where.since, until=where.until, seller_ids=frozenset({seller_b})
    )
    assert figures(rt, only_b) == live(rt, only_b)

    with rt.db.transaction() as s:
        rollups.refresh(session=s, first=first, last=today)
    post(rt, rng, 30, days_back=15)  # recorded late, for days already counted
    with rt.db.transaction() as s:
        rollups.refresh(session=s, first=first, last=today)
    counted = figures(rt, where)
    assert counted == live(rt, where)
    assert sum(n for _d, _k, n in counted[0]) == 430  # type: ignore[attr-defined]
