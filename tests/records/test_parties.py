"""Sellers, campaigns, scripts and employees: defaults, resolution, versions, fictitious names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy.orm import Session

from callkeep.errors import Conflict, InvalidInput
from callkeep.records import amendments, references
from callkeep.records.calls import service as calls
from callkeep.records.parties import sellers
from callkeep.records.parties.schemas import SellerIn
from callkeep.records.schemas import CallIn

if TYPE_CHECKING:
    from tests.records.conftest import World

H = dict[str, dict[str, str]]


def test_without_any_seller_resolving_one_names_the_seller_field(session: Session) -> None:
    with pytest.raises(InvalidInput) as raised:
        references.resolve_seller(session=session, ref=None)
    assert raised.value.fields[0].field == "seller"
    assert "no seller is set up" in raised.value.fields[0].message


def test_the_default_seller_is_the_one_marked_else_the_oldest(session: Session) -> None:
    first = sellers.create_seller(
        session=session, actor="t", seller_in=SellerIn(name="First", slug="first")
    )
    assert references.resolve_seller(session=session, ref=None).id == first.id
    marked = sellers.create_seller(
        session=session,
        actor="t",
        seller_in=SellerIn(name="Marked", slug="marked", is_default=True),
    )
    assert references.resolve_seller(session=session, ref=None).id == marked.id
    assert references.resolve_seller(session=session, ref="FIRST").id == first.id
    assert references.resolve_seller(session=session, ref=first.id).slug == "first"
    with pytest.raises(InvalidInput) as unknown:
        references.resolve_seller(session=session, ref="nobody")
    assert unknown.value.fields[0].field == "seller"
    with pytest.raises(Conflict):
        sellers.create_seller(
            session=session, actor="t", seller_in=SellerIn(name="X", slug="first")
        )


def test_an_amended_seller_setting_is_what_the_checks_see(session: Session, world: World) -> None:
    assert not references.resolve_seller(session=session, ref=None).screen_litigators
    amendments.amend(
        session=session,
        actor="t",
        target_type="sellers",
        target_id=world.seller.id,
        changes={"screen_litigators": True},
        reason="counsel's advice",
    )
    assert references.resolve_seller(session=session, ref=None).screen_litigators


def test_campaigns_resolve_by_id_or_slug_within_their_seller(
    session: Session, world: World
) -> None:
    view = references.resolve_campaign(session=session, ref="heat-pumps", seller_id=world.seller.id)
    assert (view.id, view.subject, view.dialing_mode) == (
        world.campaign.id,
        "heat pumps",
        "predictive",
    )
    assert (
        references.resolve_campaign(
            session=session, ref=world.campaign.id, seller_id=world.seller.id
        ).slug
        == "heat-pumps"
    )
    with pytest.raises(InvalidInput) as other:
        references.resolve_campaign(
            session=session, ref="heat-pumps", seller_id=world.other_seller.id
        )
    assert other.value.fields[0].field == "campaign"


def test_employees_resolve_by_id_or_fictitious_name(session: Session, world: World) -> None:
    assert references.resolve_employee(session=session, ref="claire f.").name == "Claire Fortin"
    assert (
        references.resolve_employee(session=session, ref=world.employee.id).id == world.employee.id
    )
    with pytest.raises(InvalidInput) as unknown:
        references.resolve_employee(session=session, ref="Nobody")
    assert unknown.value.fields[0].field == "telemarketer"


def test_a_fictitious_name_is_traceable_to_one_employee_only(
    client: TestClient, headers: H, world: World
) -> None:
    made = client.post(
        "/api/v1/employees",
        json={
            "name": "Renee Gendron",
            "fictitious_names": ["Renee"],
            "job_titles": ["telemarketer"],
            "home_address": "5 Minot Ave, Auburn, ME",
            "phone": "207-784-3333",
        },
        headers=headers["admin"],
    )
    assert made.status_code == 201, made.text
    assert made.json()["phone"] == "+12077843333"
    clash = client.post(
        "/api/v1/employees",
        json={"name": "Other", "fictitious_names": ["RENEE"]},
        headers=headers["admin"],
    )
    assert clash.status_code == 409
    added = client.post(
        f"/api/v1/employees/{made.json()['id']}/fictitious-names",
        json={"name": "Claire F."},
        headers=headers["compliance"],
    )
    assert added.status_code == 409
    listed = client.get("/api/v1/employees", headers=headers["auditor"]).json()
    assert [e["name"] for e in listed] == ["Claire Fortin", "Renee Gendron"]


def test_scripts_are_versioned_with_first_and_last_use_from_calls(
    client: TestClient, headers: H, world: World, call_body: Any
) -> None:
    url = f"/api/v1/campaigns/{world.campaign.id}/documents"
    v1 = client.post(
        url,
        json={"kind": "script", "name": "opening", "content": "Hello"},
        headers=headers["admin"],
    )
    v2 = client.post(
        url, json={"kind": "script", "name": "opening", "content": "Hi"}, headers=headers["admin"]
    )
    assert (v1.json()["version"], v2.json()["version"]) == (1, 2)
    for when in ("2026-07-04T13:00:00Z", "2026-07-06T13:00:00Z"):
        posted = client.post(
            "/api/v1/calls",
            json=call_body(script_version_id=v1.json()["id"], started_at=when),
            headers=headers["dialer"],
        )
        assert posted.status_code == 201
    docs = client.get(url, headers=headers["auditor"]).json()
    assert [(d["version"], d["first_used_at"], d["last_used_at"]) for d in docs] == [
        (1, "2026-07-04T13:00:00Z", "2026-07-06T13:00:00Z"),
        (2, None, None),
    ]
    assert docs[0]["content"] == "Hello"


def test_sellers_and_campaigns_over_the_api(client: TestClient, headers: H) -> None:
    seller = client.post(
        "/api/v1/sellers",
        json={"name": "Maine Solar", "slug": "maine-solar", "phone": "2077840300"},
        headers=headers["compliance"],
    )
    assert seller.status_code == 201 and seller.json()["phone"] == "+12077840300"
    assert (
        client.post(
            "/api/v1/sellers", json={"name": "x", "slug": "Bad Slug"}, headers=headers["admin"]
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/sellers", json={"name": "x", "slug": "y"}, headers=headers["agent"]
        ).status_code
        == 403
    )
    campaign = client.post(
        "/api/v1/campaigns",
        json={
            "slug": "panels",
            "product_or_purpose": "solar panels",
            "dialing_mode": "prerecorded",
            "caller_id_number": "207-784-0300",
            "caller_id_authorized_from": "2026-01-01T00:00:00-05:00",
        },
        headers=headers["admin"],
    )
    assert campaign.status_code == 201, campaign.text
    body = campaign.json()
    assert (body["subject"], body["caller_id_authorized_from"]) == (
        "solar panels",
        "2026-01-01T05:00:00Z",
    )
    for bad in (
        {"dialing_mode": "robot"},
        {"caller_id_number": "x"},
        {"caller_id_authorized_from": "2026-01-01T00:00:00"},
        {"seller": "nobody"},
    ):
        payload = {"slug": "p2", "subject": "s", "dialing_mode": "manual", **bad}
        refused = client.post("/api/v1/campaigns", json=payload, headers=headers["admin"])
        assert refused.status_code == 422, bad
    assert [
        c["slug"]
        for c in client.get(
            "/api/v1/campaigns", params={"seller": "maine-solar"}, headers=headers["auditor"]
        ).json()
    ] == ["panels"]


_FIELDS = [
    "telemarketer_name",
    "seller",
    "subject",
    "consumer_or_business",
    "outbound",
    "prerecorded",
    "calling_number",
    "called_number",
    "started_at",
    "duration_seconds",
    "caller_id_number",
    "disposition",
]
_COMPLETE = {
    "telemarketer_name": "Claire",
    "seller": "androscoggin-energy",
    "subject": "heat pumps",
    "consumer_or_business": "business",
    "outbound": False,
    "prerecorded": True,
    "calling_number": "+12077840100",
    "called_number": "+12077841234",
    "started_at": "2026-07-04T13:00:00Z",
    "duration_seconds": 0,
    "caller_id_number": "+12077840100",
    "disposition": "busy",
}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(missing=st.sets(st.sampled_from(_FIELDS)), manual=st.booleans())
def test_a_call_missing_fields_is_refused_naming_exactly_those_fields(
    session: Session, world: World, missing: set[str], manual: bool
) -> None:
    body = {k: v for k, v in _COMPLETE.items() if k not in missing}
    exempt = {"calling_number", "called_number", "started_at", "duration_seconds", "disposition"}
    expected = {"telemarketer" if f == "telemarketer_name" else f for f in missing}
    if manual:
        expected -= exempt
    call_in = CallIn.model_validate({**body, "manual_dial": manual})
    if not expected:
        assert calls.prepare_call(session=session, call_in=call_in)["seller_id"] == world.seller.id
        return
    with pytest.raises(InvalidInput) as raised:
        calls.prepare_call(session=session, call_in=call_in)
    assert {p.field for p in raised.value.fields} == expected


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(number=st.text(max_size=20))
def test_any_called_number_is_stored_in_e164_or_refused_by_name(
    session: Session, world: World, number: str
) -> None:
    try:
        call_in = CallIn.model_validate({**_COMPLETE, "called_number": number})
    except ValidationError as exc:  # refused at the edge (a NUL character), naming the field
        assert [e["loc"] for e in exc.errors()] == [("called_number",)]
        return
    try:
        row = calls.prepare_call(session=session, call_in=call_in)
    except InvalidInput as exc:
        assert [p.field for p in exc.fields] == ["called_number"]
        return
    assert row["called_number"].startswith("+") and row["called_number"][1:].isdigit()


def test_any_record_type_is_amended_with_its_reason_and_listed(
    client: TestClient, headers: H, world: World
) -> None:
    url = f"/api/v1/sellers/{world.seller.id}/amendments"
    made = client.post(
        url,
        json={"changes": {"screen_litigators": True}, "reason": "counsel"},
        headers=headers["admin"],
    )
    assert made.status_code == 201, made.text
    listed = client.get(url, headers=headers["auditor"]).json()
    assert [(a["reason"], a["changes"]) for a in listed] == [
        ("counsel", {"screen_litigators": True})
    ]
    assert client.get("/api/v1/sellers/androscoggin-energy", headers=headers["auditor"]).json()[
        "screen_litigators"
    ]
    missing = client.post(
        "/api/v1/consents/nope/amendments",
        json={"changes": {"purpose": "x"}, "reason": "r"},
        headers=headers["admin"],
    )
    assert missing.status_code == 404
    no_reason = client.post(
        url, json={"changes": {"name": "X"}, "reason": ""}, headers=headers["admin"]
    )
    assert no_reason.status_code == 422
    bad_type = client.post(
        url, json={"changes": {"screen_litigators": "yes"}, "reason": "r"}, headers=headers["admin"]
    )
    assert bad_type.status_code == 422
    assert bad_type.json()["error"]["fields"][0]["field"] == "changes.screen_litigators"
