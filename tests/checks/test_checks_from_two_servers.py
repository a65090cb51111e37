"""Many checks at once from two servers of one database: every answer's decision is stored
exactly once, with exactly one ledger entry, and the chain verifies; on PostgreSQL each server
writes up to four groups at once, taking turns on the ledger's append lock."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from typing import Any

from sqlalchemy import select

from callkeep.checks.models import Decision
from callkeep.checks.schemas import CheckIn, DecisionOut
from callkeep.checks.service import decide_and_store
from callkeep.kit.batches import GroupCommit
from callkeep.kit.db import Database
from callkeep.ledger import service as ledger
from callkeep.ledger.models import LedgerEntry
from tests.checks.conftest import World

AT = "2026-07-06T13:00:00Z"
PER_SERVER = 80


def _serve(db: Database, phones: list[str], answers: list[Any]) -> None:
    """One server's event loop posting its checks at once, in waves of varied size."""
    writer: GroupCommit[tuple[str, CheckIn], DecisionOut] = GroupCommit(
        db, decide_and_store, most=16, parallel=4
    )

    async def post_all() -> None:
        pending = [
            asyncio.ensure_future(writer.submit(("dialer", CheckIn(phone=p, at=AT))))
            for p in phones
        ]
        answers.extend(await asyncio.gather(*pending, return_exceptions=True))

    asyncio.run(post_all())


def test_checks_from_two_servers_are_each_stored_once_and_chained(world: World) -> None:
    servers = [Database(world.rt.db.url, info=world.rt.db.info) for _ in range(2)]
    phones = [[f"+1207555{s}{n:03d}" for n in range(PER_SERVER)] for s in range(2)]
    answers: list[list[Any]] = [[], []]
    threads = [
        threading.Thread(target=_serve, args=(db, own, got))
        for db, own, got in zip(servers, phones, answers, strict=True)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        for db in servers:
            db.dispose()
    decisions = [a for got in answers for a in got]
    assert all(isinstance(d, DecisionOut) for d in decisions), decisions
    assert sorted(d.phone for d in decisions) == sorted(p for own in phones for p in own)
    with world.rt.db.transaction(read_only=True) as session:
        stored = Counter(session.scalars(select(Decision.id)))
        entries = Counter(
            session.scalars(
                select(LedgerEntry.entity_id).where(LedgerEntry.entity_type == "check_decisions")
            )
        )
        report = ledger.verify(session=session)
    assert report.intact, report.problems
    ids = [d.decision_id for d in decisions]
    assert len(set(ids)) == len(ids)
    assert all(stored[i] == 1 and entries[i] == 1 for i in ids)
    assert sum(stored.values()) == len(ids)  # nothing stored that was not answered
