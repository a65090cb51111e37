"""A request among the other records: sellers, employees, consents, calls, contacts and lists.

A request, once recorded, blocks the seller from that second, and nothing done afterwards (a
later call with another disposition, a call or contact amendment, a list import) removes it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from callkeep.kit.clock import utcnow
from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger
from callkeep.lists import service as lists_service

ANN = "+12077841234"
H = dict[str, dict[str, str]]


@pytest.fixture
def ann(rt: Runtime) -> dict[str, str]:
    """Ann, a contact of Acme's who gave written consent; Claire, who calls as "Claire F."."""
    from callkeep.records import consents
    from callkeep.records.parties import people
    from callkeep.records.parties.schemas import ContactIn, EmployeeIn
    from callkeep.records.schemas import ConsentIn

    with rt.db.transaction() as s:
        claire = people.create_employee(
            session=s,
            actor="test",
            employee_in=EmployeeIn(name="Claire Fortin", fictitious_names=["Claire F."]),
        )
        contact = people.create_contact(
            session=s, actor="test", contact_in=ContactIn(names=["Ann Example"], phones=[ANN])
        )
        consent = consents.record_consent(
            session=s,
            actor="test",
            consent_in=ConsentIn(
                name="Ann Example",
                phone=ANN,
                seller="acme",
                request_text="May Acme call you about heat pumps?",
                purpose="heat pumps",
                consent_text="Yes",
                kind="written",
                given_at=datetime(2026, 1, 5, 15, tzinfo=UTC),
                signature="Ann Example",
            ),
        )
        return {"employee": claire.id, "contact": contact.id, "consent": consent.id}


def call_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "telemarketer": "Claire F.",
        "seller": "acme",
        "subject": "heat pumps",
        "consumer_or_business": "consumer",
        "outbound": True,
        "prerecorded": False,
        "calling_number": "+12075559999",
        "called_number": ANN,
        "started_at": "2026-11-20T15:00:00Z",
        "duration_seconds": 60,
        "caller_id_number": "+12075559999",
        "caller_id_name": "ACME",
        "disposition": "answered_person",
    }
    body.update(changes)
    return body


def entry_now(rt: Runtime, slug: str = "acme") -> str | None:
    """The id of the seller's entity-list entry in force for Ann now."""
    with rt.db.transaction(read_only=True) as s:
        found = lists_service.entity_entry_for(session=s, seller_slug=slug, phone=ANN, at=utcnow())
        return str(found.id) if found is not None else None


def test_an_agent_records_the_request_during_the_call_in_one_action(
    client: TestClient, headers: H, ann: dict[str, str], rt: Runtime
) -> None:
    call = client.post("/api/v1/calls", json=call_body(), headers=headers["agent"])
    assert call.status_code == 201, call.text
    made = client.post(
        "/api/v1/dnc-requests",
        json={
            "phone": ANN,
            "call_id": call.json()["id"],
            "telemarketer": "Claire F.",
            "purpose": "heat pumps",
            "name": "Ann Example",
        },
        headers=headers["agent"],
    )
    assert made.status_code == 201, made.text
    request = made.json()
    assert request["seller"] == "acme"
    assert request["telemarketer_employee_id"] == ann["employee"]
    assert request["status"] == "met"
    assert request["entity_entry_id"] is not None
    assert len(request["consent_revocation_ids"]) == 1
    assert entry_now(rt) == request["entity_entry_id"]
    assert entry_now(rt, "birch") is None
    # The call's disposition is its own record, untouched.
    shown = client.get(f"/api/v1/calls/{call.json()['id']}", headers=headers["auditor"]).json()
    assert shown["disposition"] == "answered_person"


def test_nothing_done_later_removes_the_request_or_the_block(
    client: TestClient, headers: H, ann: dict[str, str], rt: Runtime
) -> None:
    first_call = client.post("/api/v1/calls", json=call_body(), headers=headers["agent"]).json()
    request = client.post(
        "/api/v1/dnc-requests",
        json={"phone": ANN, "call_id": first_call["id"], "telemarketer": "Claire F."},
        headers=headers["agent"],
    ).json()
    entry = entry_now(rt)

    later = client.post(
        "/api/v1/calls",
        json=call_body(started_at="2026-11-21T15:00:00Z", disposition="no_answer"),
        headers=headers["dialer"],
    )
    assert later.status_code == 201, later.text
    amended_call = client.post(
        f"/api/v1/calls/{first_call['id']}/amendments",
        json={"changes": {"disposition": "busy"}, "reason": "wrong code keyed"},
        headers=headers["compliance"],
    )
    assert amended_call.status_code == 201, amended_call.text
    amended_contact = client.post(
        f"/api/v1/contacts/{ann['contact']}/amendments",
        json={"changes": {"phones": ["+12075550188"]}, "reason": "new number"},
        headers=headers["agent"],
    )
    assert amended_contact.status_code == 201, amended_contact.text
    imported = client.post(
        "/api/v1/lists/imports?list=entity:acme&filename=acme.txt",
        content=b"2075550188\n",
        headers=headers["compliance"],
    )
    assert imported.status_code == 201, imported.text
    again = client.post(
        "/api/v1/dnc-requests", json={"phone": ANN, "channel": "web"}, headers=headers["agent"]
    )
    assert again.status_code == 200

    still = client.get(f"/api/v1/dnc-requests/{request['id']}", headers=headers["auditor"]).json()
    assert {k: still[k] for k in ("phone", "seller", "entity_entry_id", "confirmation_code")} == {
        k: request[k] for k in ("phone", "seller", "entity_entry_id", "confirmation_code")
    }
    assert still["status"] == "met"
    assert client.get("/api/v1/dnc-requests", headers=headers["auditor"]).json()["total"] == 1
    assert entry is not None and entry_now(rt) == entry
    with rt.db.transaction(read_only=True) as s:
        assert ledger.verify(session=s).intact
    check = client.post(
        "/api/v1/checks", json={"phone": ANN, "seller": "acme"}, headers=headers["dialer"]
    )
    if check.status_code == 200:  # once the checks domain and its rules are installed
        assert check.json()["allowed"] is False
        assert "entity_dnc" in [r["code"] for r in check.json()["reasons"]]


def test_a_text_to_a_sellers_number_is_a_request_to_that_seller(
    client: TestClient, headers: H
) -> None:
    body = json.dumps({"from": ANN, "to": "+12075559998", "text": "STOP"}).encode()
    response = client.post(
        "/api/v1/webhooks/sms",
        content=body,
        headers={**headers["dialer"], "Content-Type": "application/json"},
    )
    made = client.get(
        f"/api/v1/dnc-requests/{response.json()['request_id']}", headers=headers["auditor"]
    )
    assert made.json()["seller"] == "birch"


def test_a_key_press_names_the_call_and_its_number_is_found(
    client: TestClient, headers: H, ann: dict[str, str]
) -> None:
    call = client.post(
        "/api/v1/calls", json=call_body(prerecorded=True), headers=headers["dialer"]
    ).json()
    body = json.dumps({"digit": "9", "call_id": call["id"]}).encode()
    response = client.post(
        "/api/v1/webhooks/keypress",
        content=body,
        headers={**headers["dialer"], "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    made = client.get(
        f"/api/v1/dnc-requests/{response.json()['request_id']}", headers=headers["auditor"]
    ).json()
    assert made["phone"] == ANN and made["call_id"] == call["id"]


def test_the_next_check_is_blocked_from_the_second_the_request_is_recorded(
    client: TestClient, headers: H
) -> None:
    made = client.post(
        "/api/v1/dnc-requests", json={"phone": ANN, "channel": "web"}, headers=headers["agent"]
    ).json()
    at = made["honored_at"]
    before = datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp() - 1
    before_iso = datetime.fromtimestamp(before, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def reasons(seller: str, moment: str) -> list[str]:
        check = client.post(
            "/api/v1/checks",
            json={"phone": ANN, "seller": seller, "at": moment},
            headers=headers["dialer"],
        )
        assert check.status_code == 200, check.text
        return [r["code"] for r in check.json()["reasons"]]

    assert "entity_dnc" in reasons("acme", at)
    assert "entity_dnc" not in reasons("acme", before_iso)
    assert "entity_dnc" not in reasons("birch", at)
