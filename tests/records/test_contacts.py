"""Contacts: found by any spelling of a phone and by words of a name; names never in plain text."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from callkeep.errors import InvalidInput
from callkeep.kit.runtime import Runtime
from callkeep.records import queries
from callkeep.records.parties import people
from callkeep.records.parties.schemas import ContactIn

if TYPE_CHECKING:
    from tests.records.conftest import World

H = dict[str, dict[str, str]]


def test_a_contact_is_found_by_any_spelling_of_its_phone(
    client: TestClient, headers: H, world: World
) -> None:
    for spelling in ("(207) 784-1234", "+1 207 784 1234", "2077841234", "1-207-784-1234"):
        found = client.get(
            "/api/v1/contacts", params={"phone": spelling}, headers=headers["compliance"]
        )
        assert [c["id"] for c in found.json()] == [world.jane.id], spelling
    bad = client.get("/api/v1/contacts", params={"phone": "12"}, headers=headers["compliance"])
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "phone"


def test_a_contact_is_found_by_one_word_of_its_name_in_any_case(
    client: TestClient, headers: H, world: World
) -> None:
    for words in ("Jane", "doe", "JANE DOE", "q"):
        found = client.get(
            "/api/v1/contacts", params={"name": words}, headers=headers["compliance"]
        )
        assert [c["id"] for c in found.json()] == [world.jane.id], words
    none = client.get(
        "/api/v1/contacts", params={"name": "Jane Smith"}, headers=headers["compliance"]
    )
    assert none.json() == []


def test_a_name_written_through_the_api_is_not_in_the_database_file_in_plain_text(
    client: TestClient, headers: H, rt: Runtime
) -> None:
    made = client.post(
        "/api/v1/contacts",
        json={
            "names": ["Zebulon Quackenbush"],
            "phones": ["207-784-9999"],
            "emails": ["zeb@quackenbush.example"],
            "street": "77 Lisbon Street",
            "state": "ME",
            "zip": "04240",
        },
        headers=headers["compliance"],
    )
    assert made.status_code == 201, made.text
    assert made.json()["names"] == ["Zebulon Quackenbush"]
    if not rt.db.is_sqlite:
        return
    rt.db.dispose()
    path = Path(rt.settings.database_url.removeprefix("sqlite:///"))
    stored = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    for secret in (b"Zebulon", b"Quackenbush", b"zebulon", b"Lisbon Street"):
        assert secret not in stored
    assert b"+12077849999" in stored


def test_contacts_with_bad_phones_states_or_zips_are_refused_naming_each(
    client: TestClient, headers: H
) -> None:
    refused = client.post(
        "/api/v1/contacts",
        json={"names": ["A"], "phones": ["2077841234", "nope"], "state": "Atlantis", "zip": "4210"},
        headers=headers["compliance"],
    )
    assert refused.status_code == 422
    assert {f["field"] for f in refused.json()["error"]["fields"]} == {"phones.1", "state", "zip"}


def test_a_state_by_its_full_name_and_a_zip_sent_as_a_number_are_read(
    client: TestClient, headers: H
) -> None:
    made = client.post(
        "/api/v1/contacts",
        json={"names": ["A"], "phones": ["2077841234"], "state": "Maine", "zip": 4210},
        headers=headers["compliance"],
    )
    assert made.status_code in (200, 201), made.text
    assert (made.json()["state"], made.json()["zip"]) == ("ME", "04210")


def test_an_amended_address_and_phone_change_the_facts_and_the_search(
    client: TestClient, headers: H, world: World, rt: Runtime
) -> None:
    amended = client.post(
        f"/api/v1/contacts/{world.jane.id}/amendments",
        json={
            "changes": {"state": "nh", "zip": "03101", "phones": ["+1 603 624 1111"]},
            "reason": "moved",
        },
        headers=headers["compliance"],
    )
    assert amended.status_code == 201, amended.text
    shown = client.get(f"/api/v1/contacts/{world.jane.id}", headers=headers["compliance"]).json()
    assert (shown["state"], shown["phones"], shown["amended"]) == ("NH", ["+16036241111"], True)
    old = client.get(
        "/api/v1/contacts", params={"phone": "2077841234"}, headers=headers["compliance"]
    )
    assert old.json() == []
    with rt.db.transaction(read_only=True) as s:
        from callkeep.kit.clock import utcnow

        facts = queries.phone_facts(
            session=s, seller_id=world.seller.id, subject=None, at=utcnow(), phones=["+16036241111"]
        )
        assert facts["+16036241111"].states == frozenset({"NH"})
        assert facts["+16036241111"].zips == frozenset({"03101"})


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(names=st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=3))
def test_every_word_of_every_name_finds_the_contact(session: Session, names: list[str]) -> None:
    try:
        contact = people.create_contact(
            session=session, actor="test", contact_in=ContactIn(names=names)
        )
    except InvalidInput:
        assert not any(n.strip() for n in names)
        return
    for name in names:
        for word in name.split():
            if not any(ch.isalnum() for ch in word):
                continue
            found = people.search_contacts(session=session, phone=None, name=word)
            assert contact.id in [c.id for c in found]


def test_a_contact_may_be_posted_with_one_name_phone_and_an_address_object(
    client: TestClient, headers: H
) -> None:
    made = client.post(
        "/api/v1/contacts",
        json={
            "name": "Ann Roy",
            "phone": "207 784 2222",
            "email": "ann@example.com",
            "address": {"street": "1 Main St", "city": "Auburn", "state": "ME", "zip": "04210"},
        },
        headers=headers["compliance"],
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["name"], body["phones"], body["state"], body["zip"]) == (
        "Ann Roy",
        ["+12077842222"],
        "ME",
        "04210",
    )


def test_after_a_key_rotation_contacts_still_read_and_are_found_by_name(
    rt: Runtime, world: World
) -> None:
    from callkeep.kit import keys
    from callkeep.ledger import service as ledger

    with rt.db.transaction() as s:
        report = keys.rotate(session=s, key_file=rt.settings.key_file)
        assert report.values > 0 and report.unreadable == 0
    with rt.db.transaction(read_only=True) as s:
        found = people.search_contacts(session=s, phone=None, name="jane")
        assert [c.names for c in found] == [["Jane Q. Doe"]]
        assert ledger.verify(session=s).intact


def test_an_amendment_that_makes_a_contact_invalid_is_refused_naming_the_field(
    client: TestClient, headers: H, world: World
) -> None:
    url = f"/api/v1/contacts/{world.jane.id}/amendments"
    for changes, field in (
        ({"preferences": {"preferred_channel": "pigeon"}}, "changes.preferences.preferred_channel"),
        ({"names": []}, "changes.names"),
        ({"zip": "ABCDE"}, "zip"),
        ({"phones": ["12"]}, "changes.phones.0"),
    ):
        refused = client.post(
            url, json={"changes": changes, "reason": "r"}, headers=headers["compliance"]
        )
        assert refused.status_code == 422, (changes, refused.text)
        assert field in {f["field"] for f in refused.json()["error"]["fields"]}, refused.text


def test_a_contact_may_be_posted_with_first_and_last_name(client: TestClient, headers: H) -> None:
    made = client.post(
        "/api/v1/contacts",
        json={"first_name": "Ann", "last_name": "Roy", "phones": ["2077842222"]},
        headers=headers["compliance"],
    )
    assert made.status_code == 201 and made.json()["names"] == ["Ann Roy"]
