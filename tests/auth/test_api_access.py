"""Every staff endpoint needs a bearer token with a fitting role; health does not."""

from __future__ import annotations

import subprocess
import sys

from fastapi.testclient import TestClient

from callkeep.config import Settings


def test_health_needs_no_token(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"


def test_api_without_token_is_401(client: TestClient) -> None:
    response = client.get("/api/v1/audit/verify")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_required"


def test_unknown_token_is_401(client: TestClient) -> None:
    response = client.get("/api/v1/audit/verify", headers={"Authorization": "Bearer ck_nope"})
    assert response.status_code == 401


def test_token_with_role_reads_audit(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.get(
        "/api/v1/audit/verify", headers={"Authorization": f"Bearer {tokens['auditor']}"}
    )
    assert response.status_code == 200
    assert response.json()["intact"] is True


def test_cli_token_create_prints_token_on_last_line(settings: Settings, client: TestClient) -> None:
    env = {
        "CALLKEEP_DATA_DIR": str(settings.data_dir),
        "CALLKEEP_DATABASE_URL": settings.database_url,
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-m", "callkeep", "token", "create", "--role", "dialer", "--name", "d1"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("ck_")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.json()["role"] == "dialer"


def test_secret_key_file_is_private(settings: Settings, client: TestClient) -> None:
    assert settings.key_file.stat().st_mode & 0o777 == 0o600


def test_a_revoked_token_is_refused_at_once(client: TestClient, rt) -> None:  # type: ignore[no-untyped-def]
    from callkeep.auth import service

    with rt.db.transaction() as s:
        token, secret = service.create_token(session=s, actor="t", name="gone", role="agent")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with rt.db.transaction() as s:
        service.revoke_token(session=s, actor="t", token_id=token.id, reason="lost laptop")
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_every_api_route_refuses_a_request_without_credentials(client: TestClient) -> None:
    import re

    paths = client.get("/openapi.json").json()["paths"]
    checked = 0
    for route_path, operations in paths.items():
        if not route_path.startswith("/api/"):
            continue
        path = re.sub(r"\{[^}]+\}", "x", route_path)
        for method in operations:
            response = client.request(method.upper(), path)
            assert response.status_code == 401, (method, route_path, response.status_code)
            checked += 1
    assert checked > 30
