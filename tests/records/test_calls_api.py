"""`/api/v1/calls`: complete records, idempotent retries, amendments that keep the original."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from callkeep.auth.models import AccessRecord
from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger
from callkeep.records import models as m

if TYPE_CHECKING:
    from tests.records.conftest import World

Body = Callable[..., dict[str, Any]]
H = dict[str, dict[str, str]]

REQUIRED = [
    "telemarketer",
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


def _count_calls(rt: Runtime) -> int:
    with rt.db.transaction(read_only=True) as s:
        return int(s.scalar(select(func.count()).select_from(m.Call)) or 0)


def test_a_complete_call_is_recorded_with_every_field_in_utc_and_e164(
    client: TestClient, headers: H, call_body: Body, world: World
) -> None:
    body = call_body(started_at="2026-07-04T09:00:00.750-04:00", notes="asked about rebates")
    made = client.post("/api/v1/calls", json=body, headers=headers["dialer"])
    assert made.status_code == 201, made.text
    call = made.json()
    assert call["called_number"] == "+12077841234"
    assert call["started_at"] == "2026-07-04T13:00:00Z"
    assert call["employee_id"] == world.employee.id
    assert call["seller_id"] == world.seller.id and call["campaign_id"] == world.campaign.id
    assert call["decision_id"] == "dec-1" and call["notes"] == "asked about rebates"
    shown = client.get(f"/api/v1/calls/{call['id']}", headers=headers["auditor"])
    assert shown.json() == call


def test_an_empty_call_names_each_missing_field(
    client: TestClient, headers: H, world: World
) -> None:
    refused = client.post("/api/v1/calls", json={}, headers=headers["dialer"])
    assert refused.status_code == 422
    named = {f["field"] for f in refused.json()["error"]["fields"]}
    assert named == set(REQUIRED)


def test_a_manual_dial_needs_no_numbers_time_duration_or_disposition(
    client: TestClient, headers: H, call_body: Body
) -> None:
    body = call_body(
        manual_dial=True,
        calling_number=...,
        called_number=...,
        started_at=...,
        duration_seconds=...,
        disposition=...,
    )
    made = client.post("/api/v1/calls", json=body, headers=headers["agent"])
    assert made.status_code == 201, made.text
    refused = client.post(
        "/api/v1/calls", json={**body, "called_number": "12"}, headers=headers["agent"]
    )
    assert refused.status_code == 422
    assert [f["field"] for f in refused.json()["error"]["fields"]] == ["called_number"]


def test_bad_values_are_refused_naming_the_field_and_nothing_is_written(
    client: TestClient, headers: H, call_body: Body, rt: Runtime
) -> None:
    cases = {
        "started_at": {"started_at": "2026-07-04T13:00:00"},
        "duration_seconds": {"duration_seconds": -1},
        "called_number": {"called_number": "not a phone"},
        "seller": {"seller": "nobody", "campaign": ...},
        "campaign": {"campaign": "no-such-campaign"},
        "disposition": {"disposition": "hung_up"},
        "transfer_to": {"disposition": "transferred"},
    }
    for field, change in cases.items():
        refused = client.post("/api/v1/calls", json=call_body(**change), headers=headers["dialer"])
        assert refused.status_code == 422, (field, refused.text)
        assert field in {f["field"] for f in refused.json()["error"]["fields"]}, field
    assert _count_calls(rt) == 0


def test_a_retry_with_the_same_idempotency_key_returns_the_first_record(
    client: TestClient, headers: H, call_body: Body, rt: Runtime
) -> None:
    key = {"Idempotency-Key": "dialer-42-attempt-1"}
    first = client.post("/api/v1/calls", json=call_body(), headers={**headers["dialer"], **key})
    again = client.post("/api/v1/calls", json=call_body(), headers={**headers["dialer"], **key})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert _count_calls(rt) == 1


def test_a_retry_with_the_same_external_call_id_returns_the_first_record(
    client: TestClient, headers: H, call_body: Body, rt: Runtime
) -> None:
    body = call_body(external_call_id="vici-1001")
    first = client.post("/api/v1/calls", json=body, headers=headers["dialer"])
    again = client.post("/api/v1/calls", json=body, headers=headers["dialer"])
    other_seller = client.post(
        "/api/v1/calls",
        json={**body, "seller": "birch", "campaign": None},
        headers=headers["dialer"],
    )
    assert (first.status_code, again.status_code, other_seller.status_code) == (201, 200, 201)
    assert again.json()["id"] == first.json()["id"]
    assert _count_calls(rt) == 2


def test_two_identical_posts_at_once_make_one_record(
    client: TestClient, headers: H, call_body: Body, rt: Runtime
) -> None:
    body = call_body(external_call_id="race-1")
    key = {"Idempotency-Key": "race-key"}
    statuses: list[int] = []
    ids: list[str] = []
    barrier = threading.Barrier(2)

    def post() -> None:
        barrier.wait()
        response = client.post("/api/v1/calls", json=body, headers={**headers["dialer"], **key})
        statuses.append(response.status_code)
        ids.append(response.json()["id"])

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 201]
    assert ids[0] == ids[1]
    assert _count_calls(rt) == 1


def test_an_amendment_keeps_the_original_and_says_why_and_who(
    client: TestClient, headers: H, call_body: Body, rt: Runtime
) -> None:
    call = client.post("/api/v1/calls", json=call_body(), headers=headers["dialer"]).json()
    amended = client.post(
        f"/api/v1/calls/{call['id']}/amendments",
        json={"changes": {"disposition": "busy", "duration_seconds": 0}, "reason": "dialer bug"},
        headers=headers["agent"],
    )
    assert amended.status_code == 201, amended.text
    assert amended.json()["target_id"] == call["id"]
    assert amended.json()["recorded_by"] == "token:agent-token"
    now = client.get(f"/api/v1/calls/{call['id']}", headers=headers["auditor"]).json()
    assert (now["disposition"], now["duration_seconds"]) == ("busy", 0)
    assert now["amendments"][0]["reason"] == "dialer bug"
    with rt.db.transaction(read_only=True) as s:
        original = s.get(m.Call, call["id"])
        assert original is not None and original.disposition == "answered_person"
        assert ledger.verify(session=s).intact


def test_an_amendment_that_would_break_the_record_is_refused(
    client: TestClient, headers: H, call_body: Body
) -> None:
    call = client.post("/api/v1/calls", json=call_body(), headers=headers["dialer"]).json()
    for changes, field in (
        ({"disposition": "transferred"}, "transfer_to"),
        ({"called_number": "555"}, "changes.called_number"),
        ({"started_at": "2026-07-04 13:00"}, "changes.started_at"),
        ({"seller_id": "x"}, "changes.seller_id"),
        ({"contact_id": "nobody"}, "changes.contact_id"),
    ):
        refused = client.post(
            f"/api/v1/calls/{call['id']}/amendments",
            json={"changes": changes, "reason": "try"},
            headers=headers["agent"],
        )
        assert refused.status_code == 422, refused.text
        assert field in {f["field"] for f in refused.json()["error"]["fields"]}


def test_calls_are_listed_by_seller_phone_and_time_and_paged(
    client: TestClient, headers: H, call_body: Body
) -> None:
    for hour in (13, 14, 15):
        client.post(
            "/api/v1/calls",
            json=call_body(started_at=f"2026-07-04T{hour}:00:00Z"),
            headers=headers["dialer"],
        )
    client.post(
        "/api/v1/calls",
        json=call_body(called_number="+16175551234", campaign=None),
        headers=headers["dialer"],
    )
    page = client.get(
        "/api/v1/calls",
        params={"phone": "2077841234", "from": "2026-07-04T14:00:00Z", "limit": 1},
        headers=headers["auditor"],
    ).json()
    assert page["total"] == 2 and len(page["items"]) == 1
    assert page["items"][0]["started_at"] == "2026-07-04T15:00:00Z"
    by_campaign = client.get(
        "/api/v1/calls", params={"campaign": "heat-pumps"}, headers=headers["auditor"]
    ).json()
    assert by_campaign["total"] == 3
    naive = client.get(
        "/api/v1/calls", params={"from": "2026-07-04T14:00:00"}, headers=headers["auditor"]
    )
    assert naive.status_code == 422


def test_reading_calls_writes_an_access_record(
    client: TestClient, headers: H, call_body: Body, rt: Runtime
) -> None:
    call = client.post("/api/v1/calls", json=call_body(), headers=headers["dialer"]).json()
    client.get(f"/api/v1/calls/{call['id']}", headers=headers["auditor"])
    with rt.db.transaction(read_only=True) as s:
        reads = list(s.scalars(select(AccessRecord)))
        assert [(r.entity_type, r.entity_id, r.recorded_by) for r in reads] == [
            ("calls", call["id"], "token:auditor-token")
        ]
        assert ledger.verify(session=s).intact


def test_calls_need_a_token_with_a_role_that_records_calls(
    client: TestClient, headers: H, call_body: Body
) -> None:
    assert client.post("/api/v1/calls", json=call_body()).status_code == 401
    assert (
        client.post("/api/v1/calls", json=call_body(), headers=headers["auditor"]).status_code
        == 403
    )
