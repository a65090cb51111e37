"""The checks test world: Acme Home Energy (default seller), Birch Windows (screens litigators),
a manual and a predictive campaign, and list files imported through the lists domain."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pytest
import world as world_module
from sqlalchemy.orm import Session

from callkeep.checks import engine, peers, service
from callkeep.checks.engine import Context
from callkeep.checks.schemas import DecisionOut
from callkeep.kit.runtime import Runtime
from callkeep.lists import imports
from callkeep.rules.catalog import catalog

ME_NUMBER = "+12075550123"  # Maine
FL_NUMBER = "+13055550123"  # Miami, Florida
MONDAY_9AM_ME = "2026-07-06T13:00:00Z"  # 09:00 in Maine, 08:00 in Chicago


@dataclass(frozen=True)
class Facts:
    """What the records could know about a number (the shape of records' PhoneFacts)."""

    states: frozenset[str] = frozenset()
    zips: frozenset[str] = frozenset()
    written_consent: bool = False
    consent_revoked: bool = False
    last_purchase_at: datetime | None = None
    last_inquiry_at: datetime | None = None
    calls_24h: int = 0
    completed_calls_8h: int = 0
    # (state, ZIP) per address; left empty, the states and ZIPs given are one contact's address
    addresses: frozenset[tuple[str, str]] = frozenset()

    def __post_init__(self) -> None:
        if not self.addresses and (self.states or self.zips):
            object.__setattr__(self, "addresses", one_address(self.states, self.zips))


def one_address(states: frozenset[str], zips: frozenset[str]) -> frozenset[tuple[str, str]]:
    """A single contact's address from its state and ZIP (as the tests give them)."""
    state = next(iter(states)) if len(states) == 1 else ""
    pairs = {(state, z) for z in zips} or {(s, "") for s in states}
    if len(states) > 1:
        pairs |= {(s, "") for s in states}
    return frozenset(pairs)


@dataclass
class World(world_module.World):
    """The shared world with Acme Home Energy (default), Birch Windows and the `windows` and
    `robo` campaigns, and the list files imported so far."""

    imported: list[str] = field(default_factory=list)

    def import_list(
        self,
        name: str,
        numbers: Iterable[str],
        *,
        as_of: date,
        area_codes: list[int] | None = None,
    ) -> None:
        """Imports a list file (10-digit numbers, one a line) as the next version of `name`."""
        folder = self.rt.settings.data_dir / "incoming"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name.replace(':', '_')}-{len(self.imported)}.txt"
        lines = [n.removeprefix("+1") for n in numbers]
        # An empty file is refused: stand in a number no test dials (line 9999 of exchange 555).
        lines = lines or [f"{code}5559999" for code in area_codes or [207]]
        path.write_text("".join(line + "\n" for line in lines))
        self.imported.append(str(path))
        with self.rt.db.transaction() as session:
            imports.import_list(
                session=session,
                actor="test:setup",
                folder=self.rt.settings.snapshot_dir,
                max_unzipped=self.rt.settings.max_unzipped_bytes,
                request=imports.ImportRequest(
                    paths=[Path(path)], list_name=name, as_of=as_of, area_codes=area_codes
                ),
            )


@pytest.fixture
def world(rt: Runtime) -> World:
    """Two sellers and two campaigns, committed before the test starts."""
    built = World(rt=rt)
    with rt.db.transaction() as session:
        make = world_module.Builder(built, session)
        make.seller(world_module.ANDROSCOGGIN, name="Acme Home Energy", slug="acme")
        make.seller(world_module.BIRCH_WINDOWS)
        for slug, mode in (("windows", "manual"), ("robo", "predictive")):
            make.campaign("acme", {"slug": slug, "subject": "windows", "dialing_mode": mode})
    return built


Decide = Callable[..., DecisionOut]


@pytest.fixture
def decide(world: World) -> Decide:
    """Decides one number through the engine with facts given by the test (not stored)."""

    def run(
        phone: str,
        *,
        at: str = MONDAY_9AM_ME,
        facts: Mapping[str, Facts] | None = None,
        seller: str | None = None,
        campaign: str | None = None,
    ) -> DecisionOut:
        with world.rt.db.transaction() as session:
            ctx = make_context(session, at=at, facts=facts, seller=seller, campaign=campaign)
            return service.decide(session=session, ctx=ctx, inputs=[phone])[0]

    return run


def make_context(
    session: Session,
    *,
    at: str,
    facts: Mapping[str, Facts] | None = None,
    seller: str | None = None,
    campaign: str | None = None,
) -> Context:
    """A decision context whose facts come from the test rather than the records."""
    when = service.moment(at)
    found_seller = peers.resolve_seller(session=session, ref=seller)
    found_campaign = peers.resolve_campaign(session=session, ref=campaign, seller=found_seller)
    given = dict(facts or {})
    return Context(
        seller=found_seller,
        campaign=found_campaign,
        at=when,
        coverage=peers.national_coverage(session=session, at=when),
        facts=given,
        rules_version=catalog().version,
        facts_by_number={int(p[2:]): f for p, f in given.items() if p.startswith("+1")},
    )


def codes(decision: DecisionOut) -> list[str]:
    return [r.code for r in decision.reasons]


__all__ = ["FL_NUMBER", "ME_NUMBER", "MONDAY_9AM_ME", "Facts", "World", "codes", "engine"]
