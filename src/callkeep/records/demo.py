"""Demo data for an empty database: an Auburn, Maine seller, its people and two months of calls.

Everything is written through the records services, so `audit verify` holds on the demo too.
The data is the same on every run (a seeded random generator), except that call times are
relative to now. A small synthetic national registry over the demo's area codes is obtained
for the whole period, and every call is checked before it is placed, as a dialer does: the demo's
calls are the ones their decision allowed, each linked to that decision.
"""

from __future__ import annotations

import json
import random
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from callkeep.kit.clock import iso, utcnow
from callkeep.phone.parse import try_normalize
from callkeep.records import consents
from callkeep.records import models as m
from callkeep.records.calls import service as calls
from callkeep.records.parties import models as pm
from callkeep.records.parties import people, sellers
from callkeep.records.parties.schemas import (
    CampaignIn,
    ContactIn,
    DocumentIn,
    EmployeeIn,
    Preferences,
    SellerIn,
)
from callkeep.records.schemas import CallIn, ConsentIn, InquiryIn, PurchaseIn

DEMO_ACTOR = "system:demo"
DEMO_CALLS = 300
REGISTRY_AGES = (61, 30, 0)  # days before today: each call's moment has a registry ≤ 31 days old

_FIRST = [
    "Jane", "Robert", "Mary", "Paul", "Linda", "Michael", "Susan", "David", "Karen", "James",
    "Nancy", "Thomas", "Lisa", "Daniel", "Betty", "Mark", "Sandra", "Steven", "Donna", "Kevin",
]  # fmt: skip
_LAST = [
    "Pelletier", "Thibodeau", "Ouellette", "Cyr", "Michaud", "Smith", "Johnson", "Gagnon",
    "Bouchard", "Levesque", "Morin", "Roy", "Dube", "Brown", "Hall", "Martin", "Poulin", "Doe",
]  # fmt: skip
# (city, state, zip, area code, exchange)
_PLACES = [
    ("Auburn", "ME", "04210", 207, 784),
    ("Lewiston", "ME", "04240", 207, 783),
    ("Portland", "ME", "04101", 207, 774),
    ("Bangor", "ME", "04401", 207, 942),
    ("Augusta", "ME", "04330", 207, 622),
    ("Manchester", "NH", "03101", 603, 624),
    ("Boston", "MA", "02108", 617, 523),
    ("Burlington", "VT", "05401", 802, 863),
]
_DISPOSITIONS = [
    ("answered_person", 30),
    ("answering_machine", 25),
    ("no_answer", 30),
    ("busy", 8),
    ("dropped", 2),
    ("transferred", 5),
]


def _phone(rng: random.Random, area: int, exchange: int) -> str:
    while True:
        candidate = try_normalize(f"+1{area}{exchange}{rng.randint(1000, 9999)}")
        if candidate is not None:
            return candidate


def _is_empty(session: Session) -> bool:
    """No seller but the built-in default, and no contact or call yet."""
    others = select(pm.Seller.id).where(pm.Seller.slug != sellers.DEFAULT_SLUG).limit(1)
    return all(
        session.scalar(query) is None
        for query in (others, select(pm.Contact.id).limit(1), select(m.Call.id).limit(1))
    )


def _obtain_registry(*, session: Session, phones: list[str], now: datetime) -> None:
    """The demo's national registry: every third contact number is on it, the 207 area code
    and the contacts' own are covered, obtained a month apart over the demo's period."""
    from callkeep.lists import imports
    from callkeep.lists import service as lists_service

    area_codes = sorted({207} | {int(n[2:5]) for n in phones})
    registered = sorted(n[2:] for n in phones if int(n[-1]) % 3 == 0)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo-national-registry.txt"
        for step, days in enumerate(REGISTRY_AGES):
            # each month's copy of the registry has grown by one (made-up) number
            grown = [*registered, *(f"207784129{i}" for i in range(step + 1))]
            path.write_text("".join(f"{n}\n" for n in sorted(grown)))
            imports.import_list(
                session=session,
                actor=DEMO_ACTOR,
                folder=lists_service.snapshot_folder(session),
                max_unzipped=1 << 30,
                request=imports.ImportRequest(
                    paths=[path],
                    list_name="national",
                    as_of=(now - timedelta(days=days)).date(),
                    san="DEMO-SAN",
                    area_codes=area_codes,
                    accessed_by="demo data",
                ),
            )


def _allowed_decision(
    *, session: Session, phone: str, seller_id: str, campaign_id: str, at: datetime
) -> str | None:
    """The id of the stored decision that allows this call, or None when it is blocked."""
    from callkeep.checks import service as checks_service
    from callkeep.checks.schemas import CheckIn

    decision = checks_service.check(
        session=session,
        actor=DEMO_ACTOR,
        check_in=CheckIn(phone=phone, seller=seller_id, campaign=campaign_id, at=iso(at)),
    )
    return decision.decision_id if decision.allowed else None


def seed_if_empty(*, session: Session) -> bool:
    """Seeds the demo when nothing but the default seller exists; returns whether it did."""
    if not _is_empty(session):
        return False
    rng = random.Random(20260704)
    now = utcnow()
    actor = DEMO_ACTOR
    energy = sellers.create_seller(
        session=session,
        actor=actor,
        seller_in=SellerIn(
            name="Androscoggin Home Energy",
            slug="androscoggin-energy",
            address="120 Court St, Auburn, ME 04210",
            phone="+12077840100",
            screen_litigators=True,
            is_default=True,
        ),
    )
    windows = sellers.create_seller(
        session=session,
        actor=actor,
        seller_in=SellerIn(
            name="Lake Auburn Windows & Siding",
            slug="lake-auburn-windows",
            address="44 Center St, Auburn, ME 04210",
            phone="+12077840200",
        ),
    )
    heat_pumps = sellers.create_campaign(
        session=session,
        actor=actor,
        campaign_in=CampaignIn.model_validate(
            {
                "seller": energy.id,
                "slug": "heat-pump-rebates",
                "subject": "heat pump installation with state rebates",
                "dialing_mode": "manual",
                "caller_id_number": "+12077840100",
                "caller_id_name": "ANDRO HOME ENRG",
                "caller_id_authorization": "Number assigned to Androscoggin Home Energy by the "
                "carrier, account 4471-22; letter of authorization on file.",
                "caller_id_authorized_from": now - timedelta(days=365),
            }
        ),
    )
    audits = sellers.create_campaign(
        session=session,
        actor=actor,
        campaign_in=CampaignIn.model_validate(
            {
                "seller": energy.id,
                "slug": "energy-audits",
                "subject": "home energy audit",
                "dialing_mode": "predictive",
                "caller_id_number": "+12077840101",
                "caller_id_name": "ANDRO HOME ENRG",
                "caller_id_authorization": "Carrier letter of authorization, 2025-11-01.",
                "caller_id_authorized_from": now - timedelta(days=200),
            }
        ),
    )
    scripts = {}
    for campaign in (heat_pumps, audits):
        for text in (
            "Hello, this is {agent} calling for Androscoggin Home Energy in Auburn. ...",
            "Hi, my name is {agent} with Androscoggin Home Energy of Auburn, Maine. ...",
        ):
            scripts[campaign.id] = sellers.add_document(
                session=session,
                actor=actor,
                campaign_id=campaign.id,
                document_in=DocumentIn(kind="script", name="opening", content=text),
            )
    staff = [
        ("Claire Fortin", ["Claire"], ["telemarketer"]),
        ("Marc Bilodeau", ["Mark B."], ["telemarketer", "team lead"]),
        ("Renee Gendron", ["Renee"], ["telemarketer"]),
        ("Paul Lessard", [], ["sales manager"]),
    ]
    employees = [
        people.create_employee(
            session=session,
            actor=actor,
            employee_in=EmployeeIn(
                name=name,
                fictitious_names=aliases,
                job_titles=titles,
                home_address=f"{rng.randint(10, 400)} Minot Ave, Auburn, ME 04210",
                phone=_phone(rng, 207, 784),
            ),
        )
        for name, aliases, titles in staff
    ]
    contacts = []
    for i in range(40):
        city, state, zip_code, area, exchange = _PLACES[i % len(_PLACES)]
        phones = [_phone(rng, area, exchange)]
        if i % 5 == 0:
            phones.append(_phone(rng, area, exchange))
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        contacts.append(
            people.create_contact(
                session=session,
                actor=actor,
                contact_in=ContactIn(
                    names=[f"{first} {last}"],
                    phones=phones,
                    emails=[f"{first.lower()}.{last.lower()}{i}@example.com"],
                    street=f"{rng.randint(1, 999)} {rng.choice(['Main', 'Elm', 'Court', 'Pine'])} St",
                    city=city,
                    state=state,
                    zip=zip_code,
                    preferences=Preferences(
                        preferred_channel=rng.choice(["phone", "email", None]),
                        language=rng.choice(["en", "en", "fr"]),
                        best_time_to_call=rng.choice(["evenings", "mornings", None]),
                    ),
                    tags=rng.sample(["homeowner", "renter", "oil-heat", "propane", "lead"], 2),
                ),
            )
        )
    for contact in contacts[:6]:
        phone = people.phones_of_contact(session=session, contact_id=contact.id)[0]
        consents.record_consent(
            session=session,
            actor=actor,
            consent_in=ConsentIn(
                name=json.loads(contact.names)[0],
                phone=phone,
                seller=energy.id,
                contact_id=contact.id,
                request_text="<p>By signing below I agree that Androscoggin Home Energy may call "
                "me at the number above about heat pumps, using automated technology.</p>",
                request_format="text/html",
                purpose="heat pump and energy audit offers",
                consent_text="I agree.",
                kind="written",
                given_at=now - timedelta(days=rng.randint(20, 300)),
                signature=f"e-signature from {rng.randint(10, 250)}.{rng.randint(0, 255)}.0.1",
            ),
        )
    for contact in contacts[6:12]:
        consents.record_purchase(
            session=session,
            actor=actor,
            purchase_in=PurchaseIn(
                contact_id=contact.id,
                seller=energy.id,
                goods=rng.choice(["heat pump", "insulation", "energy audit"]),
                purchased_at=now - timedelta(days=rng.randint(30, 500)),
                shipped_at=now - timedelta(days=rng.randint(1, 29)),
                amount_cents=rng.randint(20_000, 900_000),
            ),
        )
    for contact in contacts[12:15]:
        consents.record_inquiry(
            session=session,
            actor=actor,
            inquiry_in=InquiryIn(
                contact_id=contact.id,
                seller=windows.id,
                goods="replacement windows",
                inquired_at=now - timedelta(days=rng.randint(5, 80)),
            ),
        )
    _obtain_registry(
        session=session,
        phones=sorted({p for c in contacts for p in json.loads(c.phones)}),
        now=now,
    )
    batch: list[CallIn] = []
    for _ in range(DEMO_CALLS * 5):
        if len(batch) == DEMO_CALLS:
            break
        contact = rng.choice(contacts)
        campaign = rng.choice([heat_pumps, audits])
        employee = rng.choice(employees[:3])
        disposition = rng.choices(
            [d for d, _w in _DISPOSITIONS], weights=[w for _d, w in _DISPOSITIONS]
        )[0]
        day = now - timedelta(days=rng.randint(1, 60))
        started = day.replace(hour=rng.randint(13, 23), minute=rng.randint(0, 59), second=0)
        answered = disposition in ("answered_person", "transferred")
        called = rng.choice(json.loads(contact.phones))
        decision_id = _allowed_decision(
            session=session, phone=called, seller_id=energy.id, campaign_id=campaign.id, at=started
        )
        if decision_id is None:
            continue  # the dialer does not place a blocked call
        batch.append(
            CallIn.model_validate(
                {
                    "employee_id": employee.id,
                    "seller": energy.id,
                    "campaign": campaign.id,
                    "contact_id": contact.id,
                    "subject": campaign.subject,
                    "consumer_or_business": "consumer",
                    "outbound": True,
                    "prerecorded": False,
                    "manual_dial": campaign.dialing_mode == "manual",
                    "calling_number": campaign.caller_id_number,
                    "called_number": called,
                    "decision_id": decision_id,
                    "started_at": started,
                    "duration_seconds": rng.randint(60, 900) if answered else rng.randint(0, 40),
                    "script_version_id": scripts[campaign.id].id,
                    "caller_id_number": campaign.caller_id_number,
                    "caller_id_name": campaign.caller_id_name,
                    "disposition": disposition,
                    "transfer_to": "+12077840150" if disposition == "transferred" else None,
                    "outcome": rng.choice(["appointment set", "not interested", "call back", None])
                    if answered
                    else None,
                }
            )
        )
    calls.record_calls(session=session, actor=actor, calls=batch)
    return True
