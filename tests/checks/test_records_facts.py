"""Decisions read the records: a written consent, a purchase, and a contact's address."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from fastapi.testclient import TestClient

from callkeep.checks import scrub, service
from callkeep.records import consents
from callkeep.records.parties import people
from callkeep.records.parties.schemas import ContactIn
from callkeep.records.schemas import ConsentIn, PurchaseIn
from tests.checks.conftest import ME_NUMBER, World

FRESH = date(2026, 7, 1)
AT = "2026-07-06T13:00:00Z"


def check(
    client: TestClient, tokens: dict[str, str], phone: str, at: str = AT
) -> dict[str, object]:
    response = client.post(
        "/api/v1/checks",
        json={"phone": phone, "at": at},
        headers={"Authorization": f"Bearer {tokens['dialer']}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_a_written_consent_on_record_lifts_the_national_block(
    world: World, client: TestClient, tokens: dict[str, str]
) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH)
    assert check(client, tokens, ME_NUMBER)["allowed"] is False
    with world.rt.db.transaction() as session:
        consents.record_consent(
            session=session,
            actor="test",
            consent_in=ConsentIn(
                name="Jane Doe",
                phone=ME_NUMBER,
                request_text="Yes, call me about heat pumps",
                purpose="heat pumps",
                consent_text="I agree to calls from Acme Home Energy at this number.",
                kind="written",
                given_at=datetime.fromisoformat("2026-06-01T12:00:00+00:00"),
                signature="Jane Doe",
            ),
        )
    decision = check(client, tokens, ME_NUMBER)
    assert decision["allowed"] is True
    assert decision["exemptions"] == ["written_consent"]


def test_a_purchase_on_record_is_an_established_business_relationship(
    world: World, client: TestClient, tokens: dict[str, str]
) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH)
    with world.rt.db.transaction() as session:
        contact = people.create_contact(
            session=session,
            actor="test",
            contact_in=ContactIn(names=["Jane Doe"], phones=[ME_NUMBER], state="ME", zip="04210"),
        )
        consents.record_purchase(
            session=session,
            actor="test",
            purchase_in=PurchaseIn(
                contact_id=contact.id,
                phone=ME_NUMBER,
                goods="heat pump",
                purchased_at=datetime.fromisoformat("2025-03-01T12:00:00+00:00"),
                amount_cents=450000,
            ),
        )
    decision = check(client, tokens, ME_NUMBER)
    assert decision["allowed"] is True and decision["exemptions"] == ["ebr_purchase"]
    # 540 days after the purchase the relationship has lapsed
    assert check(client, tokens, ME_NUMBER, at="2026-08-25T13:00:00Z")["allowed"] is False


def test_a_contacts_address_decides_the_state_and_zone(
    world: World, client: TestClient, tokens: dict[str, str]
) -> None:
    world.import_list("national", [], as_of=FRESH, area_codes=[207])
    with world.rt.db.transaction() as session:
        people.create_contact(
            session=session,
            actor="test",
            contact_in=ContactIn(names=["Sam Roe"], phones=[ME_NUMBER], state="FL", zip="33101"),
        )
    decision = check(client, tokens, ME_NUMBER, at="2026-07-07T00:30:00Z")  # 20:30 Eastern
    assert decision["states"] == ["FL"]
    assert [r["code"] for r in decision["reasons"]] == ["calling_hours"]  # type: ignore[index, union-attr]


TN_NUMBER = "+19315550123"  # 931: Middle Tennessee, Central time only


def test_each_address_of_a_shared_number_gives_its_own_zones(
    world: World, client: TestClient, tokens: dict[str, str]
) -> None:
    """One contact in TN with ZIP 37388 (Central), another in TN with no ZIP (all of TN: Central
    and Eastern): the ZIP narrows only its own address, on every path."""
    world.import_list("national", [], as_of=FRESH, area_codes=[931])
    with world.rt.db.transaction() as session:
        for name, zip_code in (("Ann Tull", "37388"), ("Bo Knox", None)):
            people.create_contact(
                session=session,
                actor="test",
                contact_in=ContactIn(names=[name], phones=[TN_NUMBER], state="TN", zip=zip_code),
            )
    late = "2026-07-07T01:30:00Z"  # 21:30 Eastern, 20:30 Central
    both = {"America/Chicago", "America/New_York"}
    single = check(client, tokens, TN_NUMBER, at=late)
    assert {t["zone"] for t in single["local_times"]} == both  # type: ignore[attr-defined]
    assert single["states"] == ["TN"]
    assert [r["code"] for r in single["reasons"]] == ["calling_hours"]  # type: ignore[attr-defined]
    batch = client.post(
        "/api/v1/checks/batch",
        json={"phones": [TN_NUMBER, "931-555-0199"], "at": late},
        headers={"Authorization": f"Bearer {tokens['dialer']}"},
    )
    assert batch.status_code == 200, batch.text
    shared, other = batch.json()["decisions"]
    assert {t["zone"] for t in shared["local_times"]} == both
    assert [r["code"] for r in shared["reasons"]] == ["calling_hours"]
    assert {t["zone"] for t in other["local_times"]} == {"America/Chicago"}
    assert other["allowed"] is True
    out = io.BytesIO()
    with world.rt.db.transaction() as session:
        ctx = service.context(session=session, seller=None, campaign=None, at=late, phones=None)
        scrub.scrub_stream(
            session=session,
            ctx=ctx,
            source=io.BytesIO(f"phone\n{TN_NUMBER}\n931-555-0199\n".encode()),
            out=out,
            phone_column=None,
            file_format="auto",
            name="",
        )
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert [r[-3:] for r in rows[1:]] == [
        [TN_NUMBER, "blocked", "calling_hours"],
        ["+19315550199", "allowed", ""],
    ]
