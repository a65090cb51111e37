"""`/api/v1/dnc-requests`: agents record in one call; staff list, filter and read."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

ANN = "+12075550123"


def test_an_agent_records_a_request_in_one_call(client: TestClient, headers) -> None:
    response = client.post(
        "/api/v1/dnc-requests",
        json={"phone": "207-555-0123", "name": "Ann", "telemarketer": "Alice", "call_id": "c-1"},
        headers=headers["agent"],
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["phone"] == ANN and body["channel"] == "agent" and body["created"] is True
    assert len(body["confirmation_code"]) == 10
    assert body["status"] in ("met", "open")
    assert body["call_id"] == "c-1"


def test_a_repeat_request_returns_the_existing_one_with_200(client: TestClient, headers) -> None:
    first = client.post("/api/v1/dnc-requests", json={"phone": ANN}, headers=headers["agent"])
    again = client.post(
        "/api/v1/dnc-requests",
        json={"phone": "(207) 555-0123", "channel": "phone"},
        headers=headers["compliance"],
    )
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["created"] is False
    listed = client.get("/api/v1/dnc-requests", headers=headers["auditor"]).json()
    assert listed["total"] == 1


def test_an_invalid_number_is_refused_with_the_field_named(client: TestClient, headers) -> None:
    response = client.post("/api/v1/dnc-requests", json={"phone": "12"}, headers=headers["agent"])
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "phone"
    assert client.get("/api/v1/dnc-requests", headers=headers["admin"]).json()["total"] == 0


def test_a_dialer_or_auditor_cannot_record_a_request(client: TestClient, headers) -> None:
    for role in ("dialer", "auditor"):
        response = client.post("/api/v1/dnc-requests", json={"phone": ANN}, headers=headers[role])
        assert response.status_code == 403
    assert client.post("/api/v1/dnc-requests", json={"phone": ANN}).status_code == 401


def test_requests_are_filtered_and_paged(client: TestClient, headers) -> None:
    for number, channel in (("2075550101", "web"), ("2075550102", "sms"), ("2075550103", "web")):
        client.post(
            "/api/v1/dnc-requests",
            json={"phone": number, "channel": channel},
            headers=headers["agent"],
        )
    client.post(
        "/api/v1/dnc-requests",
        json={"phone": "2075550104", "channel": "mail", "received_at": "2025-01-02T15:00:00Z"},
        headers=headers["agent"],
    )
    web = client.get("/api/v1/dnc-requests?channel=web", headers=headers["auditor"]).json()
    assert web["total"] == 2 and {i["channel"] for i in web["items"]} == {"web"}
    page = client.get("/api/v1/dnc-requests?limit=2&offset=2", headers=headers["auditor"]).json()
    assert page["total"] == 4 and len(page["items"]) == 2
    old = client.get(
        "/api/v1/dnc-requests?to=2025-12-31T00:00:00Z", headers=headers["auditor"]
    ).json()
    assert [i["phone"] for i in old["items"]] == ["+12075550104"]
    overdue = client.get("/api/v1/dnc-requests?status=overdue", headers=headers["auditor"]).json()
    assert [i["phone"] for i in overdue["items"]] == ["+12075550104"]
    assert (
        client.get("/api/v1/dnc-requests?status=nope", headers=headers["auditor"]).status_code
        == 422
    )
    assert (
        client.get("/api/v1/dnc-requests?seller=nobody", headers=headers["auditor"]).status_code
        == 422
    )


def test_one_request_is_read_by_id_or_by_code(client: TestClient, headers) -> None:
    made = client.post("/api/v1/dnc-requests", json={"phone": ANN}, headers=headers["agent"]).json()
    by_id = client.get(f"/api/v1/dnc-requests/{made['id']}", headers=headers["auditor"])
    by_code = client.get(
        f"/api/v1/dnc-requests/{made['confirmation_code'].lower()}", headers=headers["auditor"]
    )
    assert by_id.json()["id"] == by_code.json()["id"] == made["id"]
    missing = client.get("/api/v1/dnc-requests/NOPE", headers=headers["auditor"])
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_the_channel_may_be_sent_as_source(client: TestClient, headers) -> None:
    made = client.post(
        "/api/v1/dnc-requests", json={"phone": ANN, "source": "mail"}, headers=headers["agent"]
    )
    assert made.status_code == 201 and made.json()["channel"] == "mail"


def test_dates_filter_whole_days(client: TestClient, headers) -> None:
    client.post(
        "/api/v1/dnc-requests",
        json={"phone": ANN, "received_at": "2025-03-04T23:30:00Z"},
        headers=headers["agent"],
    )
    same_day = client.get(
        "/api/v1/dnc-requests?from=2025-03-04&to=2025-03-04", headers=headers["auditor"]
    )
    assert same_day.json()["total"] == 1
    next_day = client.get("/api/v1/dnc-requests?from=2025-03-05", headers=headers["auditor"])
    assert next_day.json()["total"] == 0
    naive = client.get("/api/v1/dnc-requests?from=2025-03-05T10:00:00", headers=headers["auditor"])
    assert naive.status_code == 422


@pytest.mark.parametrize(
    "channel", ["web", "agent", "phone", "sms", "keypress", "email", "mail", "in_person"]
)
def test_staff_record_a_request_from_every_channel(
    client: TestClient, headers, channel: str
) -> None:
    made = client.post(
        "/api/v1/dnc-requests",
        json={"phone": ANN, "channel": channel, "evidence": f"asked by {channel}"},
        headers=headers["agent"],
    )
    assert made.status_code == 201
    assert (made.json()["channel"], made.json()["status"]) == (channel, "met")
    listed = client.get(f"/api/v1/dnc-requests?channel={channel}", headers=headers["auditor"])
    assert listed.json()["total"] == 1


def test_an_unknown_channel_is_refused(client: TestClient, headers) -> None:
    made = client.post(
        "/api/v1/dnc-requests", json={"phone": ANN, "channel": "pigeon"}, headers=headers["agent"]
    )
    assert made.status_code == 422
