"""Bad requests get a clear 4xx in one error shape, and nothing is written."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_invalid_json_is_422_naming_the_body(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/tokens",
        content=b'{"name": "x", "role": "dialer"',
        headers={**admin_headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


def test_invalid_utf8_is_422(client: TestClient, admin_headers: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/tokens",
        content=b'{"name": "\xff\xfe", "role": "dialer"}',
        headers={**admin_headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422


def test_unknown_role_is_422_naming_the_field(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/tokens", json={"name": "x", "role": "king"}, headers=admin_headers
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "role"


def test_oversized_body_is_413(client: TestClient, admin_headers: dict[str, str]) -> None:
    big = b'{"name": "' + b"a" * 2_000_000 + b'"}'
    response = client.post(
        "/api/v1/tokens", content=big, headers={**admin_headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_wrong_role_is_403(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/tokens",
        json={"name": "x", "role": "dialer"},
        headers={"Authorization": f"Bearer {tokens['agent']}"},
    )
    assert response.status_code == 403


def test_admin_creates_a_token_that_works(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    created = client.post(
        "/api/v1/tokens", json={"name": "d", "role": "dialer"}, headers=admin_headers
    )
    assert created.status_code == 201
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {created.json()['token']}"})
    assert me.json() == {"actor": "token:d", "role": "dialer", "seller": None}  # every seller
