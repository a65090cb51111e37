"""An agent reads the calls to the numbers of the contacts they work, and names only numbers no
other contact holds: on the `/calls` pages and the API, on SQLite and PostgreSQL. Supervisors
keep their sellers' calls, compliance every call."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from staff_login import make_user, sign_in
from test_scope_pages import _contact, _refusals
from test_staff_pages import record_calls

from callkeep.auth import contact_reach, service
from callkeep.auth.roles import Role
from callkeep.auth.schemas import Principal
from callkeep.kit.clock import utcnow
from callkeep.kit.runtime import Runtime
from callkeep.records import interactions
from callkeep.records import service as records
from callkeep.records.models import Call
from callkeep.records.schemas import InteractionIn

MINE = "+12077841001"  # a contact the agent recorded
WORKED = "+12077841002"  # a contact another made, whom the agent called
OTHERS = "+12077841003"  # a contact the agent does not work
NOBODY = "+12077841004"  # no contact holds it
ANSWERED = "answered_person"


def _world(rt: Runtime, actor: str) -> dict[str, set[str]]:
    """Two worked contacts (one recorded by `actor`, one called by them) with 61 calls, and
    calls to a contact they do not work and to a number no contact holds."""
    _contact(rt, "Jane Roe", MINE, actor=actor)
    _contact(rt, "Jim Roe", WORKED)
    _contact(rt, "John Roe", OTHERS)
    record_calls(rt, "acme", [MINE] * 59 + [OTHERS] * 3 + [NOBODY] * 2, ANSWERED, "dialer")
    record_calls(rt, "birch", [WORKED], ANSWERED, actor)
    record_calls(rt, "birch", [WORKED], ANSWERED, "dialer")
    with rt.db.transaction(read_only=True) as s:
        by_number: dict[str, set[str]] = {}
        for call in s.scalars(select(Call)):
            by_number.setdefault(str(call.called_number), set()).add(call.id)
    return by_number


def _listed(text: str) -> list[str]:
    return re.findall(r'href="/calls/([0-9a-zA-Z]{26})"', text)


def _next_link(text: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">', text)
    return html.unescape(found.group(1)) if found else None


def test_an_agent_pages_through_exactly_the_calls_of_the_contacts_they_work(
    client: TestClient, rt: Runtime
) -> None:
    make_user(rt, "amy", "agent")
    by_number = _world(rt, "user:amy")
    theirs = by_number[MINE] | by_number[WORKED]
    sign_in(client, "amy")
    first = client.get("/calls")
    assert first.status_code == 200
    assert "61" in first.text  # the total, not the 66 calls held
    seen = _listed(first.text)
    assert len(seen) == 50
    following = _next_link(first.text)
    assert following is not None
    second = client.get(following)
    seen += _listed(second.text)
    assert _next_link(second.text) is None
    assert len(seen) == len(set(seen)) == 61 and set(seen) == theirs
    assert set(_listed(client.get(f"/calls?phone={WORKED}").text)) == by_number[WORKED]
    assert _listed(client.get(f"/calls?phone={OTHERS}").text) == []
    assert set(_listed(client.get("/calls?seller=birch").text)) == by_number[WORKED]
    mine = next(iter(by_number[MINE]))
    assert client.get(f"/calls/{mine}").status_code == 200
    for number in (OTHERS, NOBODY):
        call_id = next(iter(by_number[number]))
        refused = client.get(f"/calls/{call_id}")
        assert refused.status_code == 403 and number not in refused.text
        assert _refusals(rt, call_id, contact_reach.REFUSED_CALL) == ["user:amy"]


def test_the_api_holds_an_agent_token_to_the_calls_of_the_contacts_it_works(
    client: TestClient, rt: Runtime
) -> None:
    with rt.db.transaction() as s:
        _, secret = service.create_token(session=s, actor="t", name="desk-9", role="agent")
    headers = {"Authorization": f"Bearer {secret}"}
    by_number = _world(rt, "token:desk-9")
    theirs = by_number[MINE] | by_number[WORKED]
    seen: list[str] = []
    for offset in (0, 25, 50):
        page = client.get(f"/api/v1/calls?limit=25&offset={offset}", headers=headers).json()
        assert page["total"] == 61
        seen += [c["id"] for c in page["items"]]
    assert len(seen) == len(set(seen)) == 61 and set(seen) == theirs
    only = client.get(f"/api/v1/calls?phone={WORKED}&seller=birch", headers=headers).json()
    assert {c["id"] for c in only["items"]} == by_number[WORKED] and only["total"] == 2
    assert client.get(f"/api/v1/calls?phone={OTHERS}", headers=headers).json()["total"] == 0
    mine = next(iter(by_number[MINE]))
    assert client.get(f"/api/v1/calls/{mine}", headers=headers).status_code == 200
    for number in (OTHERS, NOBODY):
        call_id = next(iter(by_number[number]))
        refused = client.get(f"/api/v1/calls/{call_id}", headers=headers)
        assert refused.status_code == 404, refused.text
        assert refused.json()["error"]["code"] == "not_found"
        assert _refusals(rt, call_id, contact_reach.REFUSED_CALL) == ["token:desk-9"]


def test_the_agents_list_holds_the_same_calls_as_the_one_by_one_check(
    client: TestClient, rt: Runtime
) -> None:
    """The list's one subquery (`records.worked_numbers`) against the plain rule, call by call
    (`contacts_worked` over the contacts holding each call's number)."""
    with rt.db.transaction() as s:
        _, secret = service.create_token(session=s, actor="t", name="desk-10", role="agent")
    by_number = _world(rt, "token:desk-10")
    contact = _contact(rt, "Joan Roe", "+12077841005")
    with rt.db.transaction() as s:  # a third way of working: an interaction they logged
        interactions.record_interaction(
            session=s,
            actor="token:desk-10",
            interaction_in=InteractionIn.model_validate(
                {"kind": "email", "contact_id": contact, "occurred_at": utcnow().isoformat()}
            ),
        )
    record_calls(rt, "acme", ["+12077841005"], ANSWERED, "dialer")
    headers = {"Authorization": f"Bearer {secret}"}
    listed = client.get("/api/v1/calls?limit=1000", headers=headers).json()["items"]
    principal = Principal(actor="token:desk-10", role=Role.AGENT, name="desk-10")
    with rt.db.transaction(read_only=True) as s:
        one_by_one = {
            call.id
            for call in s.scalars(select(Call))
            if call.called_number
            and contact_reach.visible(
                session=s,
                principal=principal,
                contact_ids=records.contact_ids_for_phone(session=s, phone=call.called_number),
            )
        }
    assert {c["id"] for c in listed} == one_by_one
    assert by_number[OTHERS].isdisjoint(one_by_one) and len(one_by_one) == 62


def test_supervisors_and_compliance_see_the_calls_they_saw_before(
    client: TestClient, rt: Runtime
) -> None:
    by_number = _world(rt, "user:amy")
    make_user(rt, "cora", "compliance")
    sign_in(client, "cora")
    page = client.get("/calls")
    assert "66" in page.text and len(_listed(page.text)) == 50
    other = next(iter(by_number[OTHERS]))
    assert client.get(f"/calls/{other}").status_code == 200
    client.post("/logout", data={"csrf": re.findall(r'name="csrf" value="([^"]+)"', page.text)[0]})
    make_user(rt, "sue", "supervisor")
    with rt.db.transaction() as s:
        birch = s.scalar(select(Call.seller_id).where(Call.called_number == WORKED))
        service.assign_scope(
            session=s, actor="t", username="sue", seller_id=birch, campaign_id=None
        )
    sign_in(client, "sue")
    assert set(_listed(client.get("/calls").text)) == by_number[WORKED]
    assert client.get(f"/calls/{other}").status_code == 404


def test_an_agent_names_only_numbers_no_contact_they_do_not_work_holds(
    client: TestClient, rt: Runtime
) -> None:
    with rt.db.transaction() as s:
        _, secret = service.create_token(session=s, actor="t", name="desk-11", role="agent")
    headers = {"Authorization": f"Bearer {secret}"}
    mine = _contact(rt, "Jane Roe", MINE, actor="token:desk-11")
    others = _contact(rt, "John Roe", OTHERS)
    refused = client.post(
        "/api/v1/contacts",
        json={"names": ["Impostor"], "phones": ["207-784-1003"]},
        headers=headers,
    )
    assert refused.status_code == 403, refused.text
    assert _refusals(rt, others) == ["token:desk-11"]
    fresh = client.post(
        "/api/v1/contacts", json={"names": ["New Person"], "phones": [NOBODY]}, headers=headers
    )
    assert fresh.status_code == 201, fresh.text
    again = client.post(
        "/api/v1/contacts", json={"names": ["Jane R."], "phones": [MINE]}, headers=headers
    )
    assert again.status_code == 201, again.text
    moved = client.post(
        f"/api/v1/contacts/{mine}/amendments",
        json={"changes": {"phones": [MINE, OTHERS]}, "reason": "second line"},
        headers=headers,
    )
    assert moved.status_code == 403, moved.text
    consent = client.post(
        "/api/v1/consents",
        json={
            "name": "John Roe",
            "phone": OTHERS,
            "seller": "acme",
            "request_text": "May we call you?",
            "purpose": "heat pumps",
            "consent_text": "Yes",
            "kind": "express",
            "given_at": "2026-11-01T10:00:00Z",
        },
        headers=headers,
    )
    assert consent.status_code == 403, consent.text
    assert _refusals(rt, others) == ["token:desk-11"] * 3
    with rt.db.transaction() as s:
        _, officer = service.create_token(session=s, actor="t", name="cmp-1", role="compliance")
    named = client.post(
        "/api/v1/contacts",
        json={"names": ["John R."], "phones": [OTHERS]},
        headers={"Authorization": f"Bearer {officer}"},
    )
    assert named.status_code == 201, named.text
