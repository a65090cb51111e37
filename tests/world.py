"""The one named test world every test folder builds from.

Sellers, campaigns, employees, contacts and API tokens are made here, through the same service
functions the API calls, so a change to how parties are created is one change to the tests. The
cast (each folder takes the part it needs):

- Androscoggin Home Energy, the default seller, and its predictive heat-pump campaign calling as
  ANDRO ENERGY +1 207 784 0100; Birch Windows, which screens litigators.
- Acme Home Services (default; texts to +1 207 555 9999 reach it) and Birch Energy (+1 207 555 9998).
- Claire Fortin, a telemarketer who calls as "Claire F.".
- Jane Q. Doe of 12 Court St, Auburn, Maine, at +1 207 784 1234 and +1 207 784 5678.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callkeep.auth import service as auth_service
from callkeep.kit.runtime import Runtime
from callkeep.records import models as m
from callkeep.records.parties import models as pm
from callkeep.records.parties import people, sellers
from callkeep.records.parties.schemas import CampaignIn, ContactIn, EmployeeIn, SellerIn

ROLES = ("admin", "compliance", "agent", "dialer", "auditor")

JANE = "+12077841234"
JANE_WORK = "+12077845678"

ANDROSCOGGIN = SellerIn(
    name="Androscoggin Home Energy", slug="androscoggin-energy", is_default=True
)
BIRCH_WINDOWS = SellerIn(name="Birch Windows", slug="birch", screen_litigators=True)
ACME_SERVICES = SellerIn(
    name="Acme Home Services", slug="acme", phone="+12075559999", is_default=True
)
BIRCH_ENERGY = SellerIn(name="Birch Energy", slug="birch", phone="+12075559998")
HEAT_PUMPS: dict[str, Any] = {
    "slug": "heat-pumps",
    "subject": "heat pumps",
    "dialing_mode": "predictive",
    "caller_id_number": "207-784-0100",
    "caller_id_name": "ANDRO ENERGY",
}
CLAIRE = EmployeeIn(
    name="Claire Fortin", fictitious_names=["Claire F."], job_titles=["telemarketer"]
)
JANE_DOE = ContactIn(
    names=["Jane Q. Doe"],
    phones=["(207) 784-1234", JANE_WORK],
    emails=["jane@example.com"],
    street="12 Court St",
    city="Auburn",
    state="me",
    zip="04210",
)

# Kept for the folders that seed the two texting sellers by name.
SELLERS = (
    (ACME_SERVICES.name, ACME_SERVICES.slug, ACME_SERVICES.phone, True),
    (BIRCH_ENERGY.name, BIRCH_ENERGY.slug, BIRCH_ENERGY.phone, False),
)


@dataclass
class World:
    """What a test's records are about, committed before the test starts, each by slug or name."""

    rt: Runtime
    sellers: dict[str, pm.Seller] = field(default_factory=dict)
    campaigns: dict[str, pm.Campaign] = field(default_factory=dict)
    employees: dict[str, pm.Employee] = field(default_factory=dict)
    contacts: dict[str, pm.Contact] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def seller(self) -> pm.Seller:
        """The default seller (the one a call without a seller is for)."""
        return next(s for s in self.sellers.values() if s.is_default)

    @property
    def other_seller(self) -> pm.Seller:
        """The first seller that is not the default one."""
        return next(s for s in self.sellers.values() if not s.is_default)

    @property
    def campaign(self) -> pm.Campaign:
        """The first campaign made."""
        return next(iter(self.campaigns.values()))

    @property
    def employee(self) -> pm.Employee:
        """The first employee made."""
        return next(iter(self.employees.values()))

    @property
    def headers(self) -> dict[str, dict[str, str]]:
        """Bearer headers per role, for the tokens made."""
        return bearer_headers(self.tokens)


def bearer_headers(tokens: dict[str, str]) -> dict[str, dict[str, str]]:
    """The Authorization header of each role's token."""
    return {role: {"Authorization": f"Bearer {t}"} for role, t in tokens.items()}


class Builder:
    """Adds parties to a `World` in one session (the caller commits), as an officer would."""

    def __init__(self, world: World, session: Session, actor: str = "test:setup") -> None:
        self.world = world
        self.session = session
        self.actor = actor

    def seller(self, seller_in: SellerIn, **changes: Any) -> pm.Seller:
        """Adds a seller; `changes` override fields of `seller_in`."""
        made = sellers.create_seller(
            session=self.session,
            actor=self.actor,
            seller_in=SellerIn.model_validate({**seller_in.model_dump(), **changes}),
        )
        self.world.sellers[made.slug] = made
        return made

    def campaign(self, seller: str, fields: dict[str, Any], **changes: Any) -> pm.Campaign:
        """Adds a campaign of the seller with slug `seller`; `changes` override `fields`."""
        made = sellers.create_campaign(
            session=self.session,
            actor=self.actor,
            campaign_in=CampaignIn.model_validate({**fields, **changes, "seller": seller}),
        )
        self.world.campaigns[made.slug] = made
        return made

    def employee(self, employee_in: EmployeeIn, **changes: Any) -> pm.Employee:
        """Adds an employee; `changes` override fields of `employee_in`."""
        made = people.create_employee(
            session=self.session,
            actor=self.actor,
            employee_in=EmployeeIn.model_validate({**employee_in.model_dump(), **changes}),
        )
        self.world.employees[made.name] = made
        return made

    def contact(self, key: str, contact_in: ContactIn) -> pm.Contact:
        """Adds a contact, known in the world as `key`."""
        made = people.create_contact(session=self.session, actor=self.actor, contact_in=contact_in)
        self.world.contacts[key] = made
        return made

    def tokens(self, roles: Iterable[str] = ROLES) -> dict[str, str]:
        """A bearer token per role, named `<role>-token`."""
        for role in roles:
            _, secret = auth_service.create_token(
                session=self.session, actor="test", name=f"{role}-token", role=role
            )
            self.world.tokens[role] = secret
        return self.world.tokens


def seed_sellers(runtime: Runtime) -> World:
    """Acme (the default seller; texts to +1 207 555 9999 reach it) and Birch (+1 207 555 9998)."""
    world = World(rt=runtime)
    with runtime.db.transaction() as s:
        make = Builder(world, s, actor="test")
        make.seller(ACME_SERVICES)
        make.seller(BIRCH_ENERGY)
    return world


def stored_calls(runtime: Runtime) -> int:
    """How many call records the database holds."""
    with runtime.db.transaction(read_only=True) as s:
        return int(s.scalar(select(func.count()).select_from(m.Call)) or 0)
