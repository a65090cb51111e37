"""The records test world: Androscoggin Home Energy (default) and Birch Windows, a heat-pump
campaign, Claire (who calls as "Claire F."), and Jane Q. Doe of Auburn, Maine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import world as world_module
from sqlalchemy.orm import Session
from world import JANE, JANE_WORK

from callkeep.kit.runtime import Runtime
from callkeep.records.parties import models as m

STRANGER = "+16175551234"
__all__ = ["JANE", "JANE_WORK", "STRANGER", "World"]


@dataclass
class World(world_module.World):
    """The shared world as the records tests name it: Androscoggin (`seller`), Birch Windows
    (`other_seller`), the heat-pump `campaign`, Claire (`employee`) and `jane`."""

    @property
    def jane(self) -> m.Contact:
        return self.contacts["jane"]


@pytest.fixture
def world(rt: Runtime) -> World:
    """The world, committed before the test starts (so the HTTP client sees it)."""
    with rt.db.transaction() as session:
        return _build(rt, session)


def _build(rt: Runtime, session: Session) -> World:
    built = World(rt=rt)
    make = world_module.Builder(built, session)
    make.seller(world_module.ANDROSCOGGIN)
    make.seller(world_module.BIRCH_WINDOWS)
    make.campaign(
        "androscoggin-energy",
        world_module.HEAT_PUMPS,
        caller_id_authorization="carrier letter of authorization",
        caller_id_authorized_from="2026-01-01T00:00:00Z",
    )
    make.employee(world_module.CLAIRE)
    make.contact("jane", world_module.JANE_DOE)
    session.flush()
    return built


@pytest.fixture
def call_body(world: World) -> Callable[..., dict[str, Any]]:
    """A complete call record as a dialer posts it; keyword arguments override fields."""

    def make(**changes: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "telemarketer": "Claire F.",
            "seller": "androscoggin-energy",
            "campaign": "heat-pumps",
            "subject": "heat pumps",
            "consumer_or_business": "consumer",
            "outbound": True,
            "prerecorded": False,
            "calling_number": "+12077840100",
            "called_number": "207-784-1234",
            "started_at": "2026-07-04T13:00:00Z",
            "duration_seconds": 95,
            "caller_id_number": "+12077840100",
            "caller_id_name": "ANDRO ENERGY",
            "disposition": "answered_person",
            "decision_id": "dec-1",
        }
        body.update(changes)
        return {k: v for k, v in body.items() if v is not ...}

    return make


@pytest.fixture
def headers(tokens: dict[str, str]) -> dict[str, dict[str, str]]:
    """Bearer headers per role."""
    return world_module.bearer_headers(tokens)
