"""The records test world: Androscoggin Home Energy (default) and Birch Windows, a heat-pump
campaign, Claire (who calls as "Claire F."), and Jane Q. Doe of Auburn, Maine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session

from callkeep.kit.runtime import Runtime
from callkeep.records.parties import models as pm
from callkeep.records.parties import people, sellers
from callkeep.records.parties.schemas import CampaignIn, ContactIn, EmployeeIn, SellerIn

JANE = "+12077841234"
JANE_WORK = "+12077845678"
STRANGER = "+16175551234"


@dataclass(frozen=True)
class World:
    seller: pm.Seller
    other_seller: pm.Seller
    campaign: pm.Campaign
    employee: pm.Employee
    jane: pm.Contact


@pytest.fixture
def world(rt: Runtime) -> World:
    """The world, committed before the test starts (so the HTTP client sees it)."""
    with rt.db.transaction() as session:
        return _build(session)


def _build(session: Session) -> World:
    actor = "test:setup"
    seller = sellers.create_seller(
        session=session,
        actor=actor,
        seller_in=SellerIn(
            name="Androscoggin Home Energy", slug="androscoggin-energy", is_default=True
        ),
    )
    other = sellers.create_seller(
        session=session,
        actor=actor,
        seller_in=SellerIn(name="Birch Windows", slug="birch", screen_litigators=True),
    )
    campaign = sellers.create_campaign(
        session=session,
        actor=actor,
        campaign_in=CampaignIn.model_validate(
            {
                "seller": "androscoggin-energy",
                "slug": "heat-pumps",
                "subject": "heat pumps",
                "dialing_mode": "predictive",
                "caller_id_number": "207-784-0100",
                "caller_id_name": "ANDRO ENERGY",
                "caller_id_authorization": "carrier letter of authorization",
                "caller_id_authorized_from": "2026-01-01T00:00:00Z",
            }
        ),
    )
    employee = people.create_employee(
        session=session,
        actor=actor,
        employee_in=EmployeeIn(
            name="Claire Fortin", fictitious_names=["Claire F."], job_titles=["telemarketer"]
        ),
    )
    jane = people.create_contact(
        session=session,
        actor=actor,
        contact_in=ContactIn(
            names=["Jane Q. Doe"],
            phones=["(207) 784-1234", JANE_WORK],
            emails=["jane@example.com"],
            street="12 Court St",
            city="Auburn",
            state="me",
            zip="04210",
        ),
    )
    session.flush()
    return World(seller, other, campaign, employee, jane)


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
    return {role: {"Authorization": f"Bearer {secret}"} for role, secret in tokens.items()}
