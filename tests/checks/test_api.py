"""`POST /api/v1/checks`, `/checks/batch`, `GET /checks/{id}` and `/scrubs`: the contract, field by
field, roles, bad input, and every decision kept through the ledger."""

from __future__ import annotations

import csv
import io
from datetime import date

from fastapi.testclient import TestClient

from callkeep.checks.models import Decision, ScrubRun
from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger
from callkeep.rules.catalog import catalog
from tests.checks.conftest import ME_NUMBER, World

FRESH = date(2026, 7, 1)


def bearer(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


def test_the_decision_has_exactly_the_contracts_fields(
    world: World, client: TestClient, tokens: dict[str, str]
) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH)
    response = client.post(
        "/api/v1/checks",
        json={"phone": "(207) 555-0123", "at": "2026-07-06T13:00:00Z"},
        headers=bearer(tokens, "dialer"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body["decision_id"], str) and body["decision_id"]
    assert body["phone"] == "+12075550123"
    assert body["allowed"] is False
    assert body["reasons"] == [
        {
            "code": "national_dnc",
            "citation": "16 CFR 310.4(b)(1)(iii)(B)",
            "message": catalog().reasons["national_dnc"].message,
        }
    ]
    assert body["states"] == ["ME"]
    assert body["local_times"] == [
        {"zone": "America/New_York", "time": "2026-07-06T09:00:00-04:00"}
    ]
    assert body["lists"] == [
        {"list": "national", "version": body["lists"][0]["version"], "hit": True}
    ]
    assert body["lists"][0]["version"]
    assert body["at"] == "2026-07-06T13:00:00Z"
    assert body["seller"] == "acme" and body["rules_version"] == catalog().version


def test_every_decision_is_stored_and_can_be_read_back(
    world: World, client: TestClient, tokens: dict[str, str], rt: Runtime
) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH)
    made = client.post(
        "/api/v1/checks",
        json={"phone": ME_NUMBER, "at": "2026-07-06T13:00:00Z"},
        headers=bearer(tokens, "agent"),
    ).json()
    again = client.get(f"/api/v1/checks/{made['decision_id']}", headers=bearer(tokens, "auditor"))
    assert again.status_code == 200
    assert again.json() == made
    with rt.db.transaction(read_only=True) as session:
        row = session.get(Decision, made["decision_id"])
        assert row is not None and row.phone == ME_NUMBER and row.allowed is False
        assert row.rules_version == catalog().version and "national" in row.lists
        assert ledger.verify(session=session).intact


def test_a_batch_decides_each_number_in_order_and_stores_them_all(
    world: World, client: TestClient, tokens: dict[str, str], rt: Runtime
) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH)
    response = client.post(
        "/api/v1/checks/batch",
        json={
            "phones": [ME_NUMBER, "207-555-0199", "nope"],
            "at": "2026-07-06T13:00:00Z",
            "campaign": "windows",
        },
        headers=bearer(tokens, "dialer"),
    )
    assert response.status_code == 200, response.text
    decisions = response.json()["decisions"]
    assert [d["allowed"] for d in decisions] == [False, True, False]
    assert [[r["code"] for r in d["reasons"]] for d in decisions] == [
        ["national_dnc"],
        [],
        ["invalid_number"],
    ]
    assert decisions[2]["phone"] == "nope"
    assert {d["campaign"] for d in decisions} == {"windows"}
    single = client.post(
        "/api/v1/checks",
        json={"phone": "207-555-0199", "at": "2026-07-06T13:00:00Z", "campaign": "windows"},
        headers=bearer(tokens, "dialer"),
    ).json()
    for key in ("phone", "allowed", "reasons", "states", "local_times", "lists", "at"):
        assert single[key] == decisions[1][key]
    with rt.db.transaction(read_only=True) as session:
        stored = [session.get(Decision, d["decision_id"]) for d in decisions]
        assert all(row is not None for row in stored)


def test_a_time_without_a_zone_is_refused_naming_at(
    world: World, client: TestClient, tokens: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/checks",
        json={"phone": ME_NUMBER, "at": "2026-07-06T09:00:00"},
        headers=bearer(tokens, "dialer"),
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "at"


def test_an_unknown_seller_or_campaign_is_refused_naming_the_field(
    world: World, client: TestClient, tokens: dict[str, str]
) -> None:
    for field in ("seller", "campaign"):
        response = client.post(
            "/api/v1/checks",
            json={"phone": ME_NUMBER, field: "nobody"},
            headers=bearer(tokens, "dialer"),
        )
        assert response.status_code == 422
        assert response.json()["error"]["fields"][0]["field"] == field


def test_an_unparseable_number_is_a_decision_not_an_error(
    world: World, client: TestClient, tokens: dict[str, str]
) -> None:
    response = client.post("/api/v1/checks", json={"phone": "12"}, headers=bearer(tokens, "dialer"))
    assert response.status_code == 200
    body = response.json()
    assert body["allowed"] is False and body["phone"] == "12"
    assert [r["code"] for r in body["reasons"]] == ["invalid_number"]


def test_checks_need_a_role_that_may_check(
    world: World, client: TestClient, tokens: dict[str, str]
) -> None:
    assert client.post("/api/v1/checks", json={"phone": ME_NUMBER}).status_code == 401
    auditor = client.post(
        "/api/v1/checks", json={"phone": ME_NUMBER}, headers=bearer(tokens, "auditor")
    )
    assert auditor.status_code == 403
    assert (
        client.get("/api/v1/checks/nothing", headers=bearer(tokens, "auditor")).status_code == 404
    )


def test_a_batch_over_the_cap_is_refused(
    world: World, client: TestClient, tokens: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/checks/batch",
        json={"phones": [ME_NUMBER] * 10_001},
        headers=bearer(tokens, "dialer"),
    )
    assert response.status_code == 422


def test_an_uploaded_lead_file_comes_back_scrubbed(
    world: World, client: TestClient, tokens: dict[str, str], rt: Runtime
) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH)
    upload = "name,Phone\nAnn,207-555-0123\nBob,207-555-0199\nCy,garbage\n"
    response = client.post(
        "/api/v1/scrubs",
        files={"file": ("leads.csv", upload.encode(), "text/csv")},
        data={"at": "2026-07-06T13:00:00Z"},
        headers=bearer(tokens, "compliance"),
    )
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["name", "Phone", "callkeep_phone", "callkeep_status", "callkeep_reasons"]
    assert rows[1] == ["Ann", "207-555-0123", ME_NUMBER, "blocked", "national_dnc"]
    assert rows[2] == ["Bob", "207-555-0199", "+12075550199", "allowed", ""]
    assert rows[3] == ["Cy", "garbage", "", "invalid", "invalid_number"]
    assert response.headers["x-callkeep-scrub-blocked"] == "1"
    with rt.db.transaction(read_only=True) as session:
        run = session.get(ScrubRun, response.headers["x-callkeep-scrub-id"])
        assert run is not None and run.rows == 3 and run.invalid == 1
        assert run.input_name == "leads.csv"
    dialer = client.post(
        "/api/v1/scrubs",
        files={"file": ("leads.csv", upload.encode(), "text/csv")},
        headers=bearer(tokens, "dialer"),
    )
    assert dialer.status_code == 403
