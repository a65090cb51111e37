"""Concurrent checks are stored together, each answered only once its decision is committed."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callkeep.app import create_app
from callkeep.checks.models import Decision
from callkeep.checks.schemas import CheckIn, DecisionOut
from callkeep.checks.service import decide_and_store
from callkeep.errors import InvalidInput
from callkeep.kit.batches import GroupCommit
from callkeep.kit.clock import utcnow
from callkeep.kit.db import Database
from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger
from tests.checks.conftest import World

AT = "2026-07-06T13:00:00Z"


async def _check_many(rt: Runtime, token: str, phones: list[str]) -> list[httpx.Response]:
    app = create_app(runtime=rt)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://callkeep") as client:
        return await asyncio.gather(
            *(
                client.post("/api/v1/checks", json={"phone": p, "at": AT}, headers=headers)
                for p in phones
            )
        )


def test_concurrent_checks_each_store_their_own_decision(
    world: World, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    batches: list[int] = []
    write_all = GroupCommit._write_all

    def counted(self: GroupCommit[Any, Any], items: list[Any], session: Any) -> Any:
        batches.append(len(items))
        return write_all(self, items, session)

    monkeypatch.setattr(GroupCommit, "_write_all", counted)
    phones = [f"+1207555{n:04d}" for n in range(1000, 1030)]
    responses = asyncio.run(_check_many(world.rt, tokens["dialer"], phones))
    assert [r.status_code for r in responses] == [200] * len(phones)
    bodies = [r.json() for r in responses]
    assert [b["phone"] for b in bodies] == phones
    ids = {b["decision_id"] for b in bodies}
    assert len(ids) == len(phones)
    with world.rt.db.transaction(read_only=True) as session:
        stored = {i: p for i, p in session.execute(select(Decision.id, Decision.phone))}
        report = ledger.verify(session=session)
    assert {i: stored[i] for i in ids} == {b["decision_id"]: b["phone"] for b in bodies}
    assert report.intact, report.problems
    if world.rt.db.writes_inline:  # SQLite: stored together, in fewer commits than checks
        assert sum(batches) == len(phones) and max(batches) > 1, batches


def store_decisions(session: Session, decisions: list[tuple[str, dict[str, Any]]]) -> list[None]:
    """A group write of ready-made decision rows, each with its actor."""
    for actor, row in decisions:
        ledger.record_many(session=session, actor=actor, model=Decision, rows=[row])
    return [None] * len(decisions)


def _row(decision_id: str) -> dict[str, Any]:
    return {
        "id": decision_id,
        "input": "+12075550100",
        "phone": "+12075550100",
        "seller_id": "s",
        "seller_slug": "acme",
        "campaign_id": None,
        "campaign_slug": None,
        "at": utcnow(),
        "allowed": True,
        "reasons": "[]",
        "states": "ME",
        "local_times": "[]",
        "lists": "[]",
        "exemptions": "",
        "rules_version": "test",
        "batch_id": None,
    }


def test_a_group_the_database_refuses_is_written_again_without_the_item_it_refuses(
    rt: Runtime,
) -> None:
    writer: GroupCommit[Any, None] = GroupCommit(rt.db, store_decisions)

    async def three_at_once() -> list[BaseException | None]:
        results = await asyncio.gather(
            writer.submit(("test", _row("same-id"))),
            writer.submit(("test", _row("same-id"))),
            writer.submit(("test", _row("other-id"))),
            return_exceptions=True,
        )
        return list(results)

    results = asyncio.run(three_at_once())
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], InvalidInput), results
    with rt.db.transaction(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 2
        assert ledger.verify(session=session).intact


def test_a_lone_write_is_stored_at_once(rt: Runtime) -> None:
    writer: GroupCommit[Any, None] = GroupCommit(rt.db, store_decisions)
    asyncio.run(writer.submit(("test", _row("alone"))))
    with rt.db.transaction(read_only=True) as session:
        assert session.get(Decision, "alone") is not None
    with pytest.raises(InvalidInput, match="cannot store"):
        asyncio.run(writer.submit(("test", _row("alone"))))


def test_a_write_lock_held_elsewhere_does_not_stop_the_event_loop(sqlite_db: Database) -> None:
    writer: GroupCommit[Any, None] = GroupCommit(sqlite_db, store_decisions)
    other = sqlite3.connect(sqlite_db.url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process importing a list, say
    ticks: list[int] = []

    async def scenario() -> None:
        async def ticker() -> None:
            for i in range(5):
                ticks.append(i)
                await asyncio.sleep(0.02)

        def release() -> None:
            other.execute("ROLLBACK")

        asyncio.get_running_loop().call_later(0.3, release)
        await asyncio.gather(writer.submit(("test", _row("waited"))), ticker())

    try:
        asyncio.run(scenario())
    finally:
        other.close()
    assert ticks == [0, 1, 2, 3, 4]  # the loop kept running while the write waited
    with sqlite_db.transaction(read_only=True) as session:
        assert session.get(Decision, "waited") is not None


def test_a_check_that_cannot_be_decided_fails_alone_in_its_group(world: World) -> None:
    writer: GroupCommit[Any, DecisionOut] = GroupCommit(world.rt.db, decide_and_store)

    async def together() -> list[DecisionOut | BaseException]:
        return await asyncio.gather(
            writer.submit(("test", CheckIn(phone="+12075550100", at=AT))),
            writer.submit(("test", CheckIn(phone="+12075550101", at=AT, seller="nobody"))),
            writer.submit(("test", CheckIn(phone="+12075550102", at=AT))),
            return_exceptions=True,
        )

    first, refused, last = asyncio.run(together())
    assert isinstance(refused, InvalidInput) and "no seller 'nobody'" in str(refused)
    assert isinstance(first, DecisionOut) and isinstance(last, DecisionOut)
    with world.rt.db.transaction(read_only=True) as session:
        stored = {i: p for i, p in session.execute(select(Decision.id, Decision.phone))}
        assert ledger.verify(session=session).intact
    assert stored == {first.decision_id: first.phone, last.decision_id: last.phone}


def test_a_group_holds_at_most_its_share_of_items(rt: Runtime) -> None:
    sizes: list[int] = []

    def store(session: Session, decisions: list[tuple[str, dict[str, Any]]]) -> list[None]:
        sizes.append(len(decisions))
        return store_decisions(session, decisions)

    writer: GroupCommit[Any, None] = GroupCommit(rt.db, store, most=2)

    async def five_at_once() -> None:
        await asyncio.gather(*(writer.submit(("test", _row(f"five-{n}"))) for n in range(5)))

    asyncio.run(five_at_once())
    assert sizes == [2, 2, 1]
    with rt.db.transaction(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 5
