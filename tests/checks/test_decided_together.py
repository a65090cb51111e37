"""Checks grouped in one commit are decided together, each exactly as it would be alone, and every
one of many concurrent checks is stored once and chained in the ledger."""

from __future__ import annotations

import asyncio
from datetime import date

import httpx
from sqlalchemy import select

from callkeep.app import create_app
from callkeep.checks import service
from callkeep.checks.models import Decision
from callkeep.checks.schemas import CheckIn, DecisionOut
from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger
from callkeep.ledger.models import LedgerEntry
from tests.checks.conftest import FL_NUMBER, ME_NUMBER, MONDAY_9AM_ME, World
from tests.checks.test_fast_paths import (
    ASKED_FROM,
    BOUGHT_FROM,
    CALLED,
    CONSENTED,
    HELD,
    _seed_facts,
)

FRESH = date(2026, 7, 1)
SUNDAY_NIGHT = "2026-07-06T03:00:00Z"


def _mixed_checks() -> list[CheckIn]:
    """Checks of listed, held, consented, bought-from, asked-from, called, foreign, invalid and
    repeated numbers, for two sellers,
    a campaign, and two moments."""
    phones = [ME_NUMBER, HELD, CONSENTED, BOUGHT_FROM, ASKED_FROM, CALLED, FL_NUMBER]
    phones += ["+442079460000", "not a number"]
    made = []
    for at in (MONDAY_9AM_ME, SUNDAY_NIGHT):
        for seller, campaign in ((None, None), ("acme", "windows"), ("birch", None)):
            made += [CheckIn(phone=p, seller=seller, campaign=campaign, at=at) for p in phones]
    return [*made, CheckIn(phone=ME_NUMBER, at=MONDAY_9AM_ME)]  # the same check twice


def _without_id(decision: DecisionOut) -> dict[str, object]:
    return {**decision.model_dump(), "decision_id": ""}


def test_checks_decided_together_are_each_decided_as_alone(world: World) -> None:
    world.import_list("national", [ME_NUMBER, CONSENTED, CALLED], as_of=FRESH)
    _seed_facts(world)
    checks = _mixed_checks()
    with world.rt.db.transaction() as session:
        outcomes = service.decide_and_store(session, [("test", c) for c in checks])
    together = [d for d in outcomes if isinstance(d, DecisionOut)]
    assert len(together) == len(checks)
    with world.rt.db.transaction(read_only=True) as session:
        alone = [service.decide_one(session=session, check_in=c)[0] for c in checks]
        stored = [
            service.get_decision(session=session, decision_id=d.decision_id) for d in together
        ]
    assert [_without_id(d) for d in together] == [_without_id(d) for d in alone]
    assert [_without_id(d) for d in stored] == [{**_without_id(d), "notes": []} for d in together]
    assert len({d.decision_id for d in together}) == len(checks)
    assert len({tuple(r.code for r in d.reasons) for d in alone}) > 3  # the mix decides variously


async def _check_concurrently(
    rt: Runtime, token: str, bodies: list[dict[str, str]]
) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=create_app(runtime=rt))
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://callkeep") as client:
        return await asyncio.gather(
            *(client.post("/api/v1/checks", json=b, headers=headers) for b in bodies)
        )


def test_every_one_of_many_concurrent_checks_is_stored_once_and_chained(
    world: World, tokens: dict[str, str]
) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH)
    bodies = [
        {"phone": f"+1207555{n:04d}", **({"at": MONDAY_9AM_ME} if n % 3 else {})}
        for n in range(2000, 2080)
    ]
    bodies += [{"phone": ME_NUMBER, "seller": "birch"}, {"phone": ME_NUMBER, "seller": "nobody"}]
    responses = asyncio.run(_check_concurrently(world.rt, tokens["dialer"], bodies))
    assert [r.status_code for r in responses] == [200] * (len(bodies) - 1) + [422]
    answered = {r.json()["decision_id"]: r.json()["phone"] for r in responses[:-1]}
    assert len(answered) == len(bodies) - 1
    with world.rt.db.transaction(read_only=True) as session:
        stored = {i: p for i, p in session.execute(select(Decision.id, Decision.phone))}
        chained = list(
            session.scalars(
                select(LedgerEntry.entity_id).where(LedgerEntry.entity_type == "check_decisions")
            )
        )
        report = ledger.verify(session=session)
    assert stored == answered
    assert sorted(chained) == sorted(answered)  # one ledger entry each, none twice
    assert report.intact, report.problems
