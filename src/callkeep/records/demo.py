"""Demo data for an empty database: an Auburn, Maine seller, its people and two months of calls.

Everything is written through the records services, so `audit verify` holds on the demo too.
The data is the same on every run (a seeded random generator), except that call times are
relative to now.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from callkeep.kit.clock import utcnow
from callkeep.phone.parse import try_normalize
from callkeep.records import calls, consents, people, sellers
from callkeep.records import models as m
from callkeep.records.schemas import (
    CallIn,
    CampaignIn,
    ConsentIn,
    ContactIn,
    DocumentIn,
    EmployeeIn,
    InquiryIn,
    Preferences,
    PurchaseIn,
    SellerIn,
)

DEMO_ACTOR = "system:demo"

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


def seed_if_empty(*, session: Session) -> bool:
    """Seeds the demo when no seller exists; returns whether it did."""
    if session.scalar(select(m.Seller.id).limit(1)) is not None:
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
    batch = []
    for _ in range(300):
        contact = rng.choice(contacts)
        campaign = rng.choice([heat_pumps, audits])
        employee = rng.choice(employees[:3])
        disposition = rng.choices(
            [d for d, _w in _DISPOSITIONS], weights=[w for _d, w in _DISPOSITIONS]
        )[0]
        day = now - timedelta(days=rng.randint(1, 60))
        started = day.replace(hour=rng.randint(13, 23), minute=rng.randint(0, 59), second=0)
        answered = disposition in ("answered_person", "transferred")
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
                    "called_number": rng.choice(json.loads(contact.phones)),
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
