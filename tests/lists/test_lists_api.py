"""The lists API: uploads (multipart and raw), status, entity entries, roles."""

from __future__ import annotations

from fastapi.testclient import TestClient


def bearer(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


def test_a_compliance_officer_uploads_a_list_as_multipart(
    client: TestClient, tokens: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/lists/imports",
        params={"list": "national", "as_of": "2026-11-20", "san": "SAN-9", "campaign": ["spring"]},
        files={"file": ("207.txt", b"207,5550134\r\n207,5550135\r\nbad\r\n", "text/plain")},
        headers=bearer(tokens, "compliance"),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["added"], body["unreadable"], body["version"]) == (2, 1, "2026-11-20")
    assert body["first_unreadable"][0] == {
        "source": "207.txt",
        "line": 3,
        "text": "bad",
        "reason": "not a phone number",
    }
    listed = client.get("/api/v1/lists", headers=bearer(tokens, "auditor")).json()
    assert listed[0]["list"] == "national"
    assert listed[0]["size"] == 2
    assert listed[0]["area_codes"] == [207]


def test_a_raw_body_upload_is_imported_and_the_same_file_again_is_recognised(
    client: TestClient, tokens: dict[str, str]
) -> None:
    def upload():
        return client.post(
            "/api/v1/lists/imports",
            params={"list": "litigator", "filename": "lit.txt"},
            content=b"2075550134\n",
            headers={**bearer(tokens, "admin"), "Content-Type": "text/plain"},
        )

    first = upload()
    again = upload()
    assert first.status_code == 201, first.text
    assert again.json()["already_imported"] is True
    assert again.json()["version_id"] == first.json()["version_id"]


def test_a_bad_upload_is_refused_with_422_and_nothing_imported(
    client: TestClient, tokens: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/lists/imports",
        params={"list": "national"},
        content=bytes(range(256)) * 10,
        headers=bearer(tokens, "compliance"),
    )
    assert response.status_code == 422
    assert "binary" in response.json()["error"]["message"]
    assert client.get("/api/v1/lists", headers=bearer(tokens, "auditor")).json() == []


def test_only_compliance_and_admin_may_upload_lists(
    client: TestClient, tokens: dict[str, str]
) -> None:
    for role in ("agent", "dialer", "auditor"):
        response = client.post(
            "/api/v1/lists/imports",
            params={"list": "national"},
            content=b"2075550134\n",
            headers=bearer(tokens, role),
        )
        assert response.status_code == 403
    assert client.get("/api/v1/lists").status_code == 401


def test_an_agent_blocks_a_whole_area_code_for_a_seller(
    client: TestClient, tokens: dict[str, str], sellers: list[str]
) -> None:
    response = client.post(
        "/api/v1/lists/entity-entries",
        json={"seller": "acme", "area_code": 207, "source": "staff", "reference": "ticket 12"},
        headers=bearer(tokens, "agent"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["area_code"] == 207
    bad = client.post(
        "/api/v1/lists/entity-entries",
        json={"seller": "acme", "phone": "12"},
        headers=bearer(tokens, "agent"),
    )
    assert bad.status_code == 422
