"""Signing in to the staff app: the contract's status codes, the lockout, sessions that end,
forms that refuse a forged token, and every try in the access log."""

from __future__ import annotations

import subprocess
import sys

from fastapi.testclient import TestClient
from sqlalchemy import select
from staff_login import PASSWORD, form_token, make_user, sign_in

from callkeep.auth import service, sessions
from callkeep.auth.models import AccessRecord
from callkeep.config import Settings
from callkeep.errors import InvalidInput
from callkeep.kit.runtime import Runtime


def access_events(rt: Runtime) -> list[tuple[str, str]]:
    with rt.db.transaction(read_only=True) as s:
        rows = s.scalars(select(AccessRecord).order_by(AccessRecord.recorded_at))
        return [(r.entity_type, r.entity_id) for r in rows]


def test_signed_out_the_root_sends_the_browser_to_sign_in(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    deep = client.get("/trends?seller=default", follow_redirects=False)
    assert deep.headers["location"].startswith("/login?next=%2Ftrends")


def test_the_login_form_has_the_contract_fields(client: TestClient) -> None:
    html = client.get("/login").text
    assert 'name="username"' in html and 'name="password"' in html
    assert form_token(html)


def test_the_right_password_opens_a_secure_session(client: TestClient, rt: Runtime) -> None:
    make_user(rt, "alice", "compliance")
    response = sign_in(client, "alice")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert sessions.COOKIE in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Dashboard" in client.get("/").text
    assert ("sign_in", "alice") in access_events(rt)


def test_a_local_next_is_followed_and_another_host_is_not(client: TestClient, rt: Runtime) -> None:
    make_user(rt, "alice", "compliance")
    assert sign_in(client, "alice", next_path="/trends").headers["location"] == "/trends"
    client.cookies.clear()
    assert sign_in(client, "alice", next_path="//evil.example/").headers["location"] == "/"


def test_a_wrong_password_is_401_with_the_form_and_no_session(
    client: TestClient, rt: Runtime
) -> None:
    make_user(rt, "alice", "agent")
    response = sign_in(client, "alice", "not the password")
    assert response.status_code == 401
    assert 'name="password"' in response.text
    assert sessions.COOKIE not in response.headers.get("set-cookie", "")
    assert client.get("/", follow_redirects=False).status_code == 303
    assert ("sign_in_failed", "alice") in access_events(rt)


def test_five_failures_lock_the_username_even_for_the_right_password(
    client: TestClient, rt: Runtime
) -> None:
    make_user(rt, "alice", "agent")
    for _ in range(5):
        assert sign_in(client, "alice", "wrong password!").status_code == 401
    assert sign_in(client, "alice").status_code == 429
    make_user(rt, "bob", "agent")
    # the same address is locked too: five failures came from it
    assert sign_in(client, "bob").status_code == 429
    assert ("sign_in_locked", "alice") in access_events(rt)


def test_five_failures_from_one_address_lock_every_username(
    client: TestClient, rt: Runtime
) -> None:
    make_user(rt, "carol", "agent")
    for name in ("x1", "x2", "x3", "x4", "x5"):
        assert sign_in(client, name, "whatever it is").status_code == 401
    assert sign_in(client, "carol").status_code == 429


def test_a_forged_csrf_token_is_refused_and_signs_nobody_in(
    client: TestClient, rt: Runtime
) -> None:
    make_user(rt, "alice", "agent")
    client.get("/login")
    response = client.post(
        "/login",
        data={"username": "alice", "password": PASSWORD, "csrf": "forged.0000", "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert sessions.COOKIE not in response.headers.get("set-cookie", "")


def test_sign_out_ends_the_session(client: TestClient, rt: Runtime) -> None:
    make_user(rt, "alice", "agent")
    sign_in(client, "alice")
    secret = client.cookies.get(sessions.COOKIE)
    token = form_token(client.get("/").text)
    forged = client.post("/logout", data={"csrf": "x" * 40}, follow_redirects=False)
    assert forged.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200
    out = client.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    client.cookies.set(sessions.COOKIE, secret or "")
    assert client.get("/", follow_redirects=False).status_code == 303
    assert ("sign_out", "alice") in access_events(rt)


def test_a_password_change_ends_open_sessions(client: TestClient, rt: Runtime) -> None:
    make_user(rt, "alice", "agent")
    sign_in(client, "alice")
    with rt.db.transaction() as s:
        service.reset_password(session=s, actor="t", username="alice", password="a new password!")
    assert client.get("/", follow_redirects=False).status_code == 303
    assert sign_in(client, "alice", "a new password!").status_code == 303


def test_a_removed_user_is_refused_at_once_with_session_and_token(
    client: TestClient, rt: Runtime
) -> None:
    make_user(rt, "alice", "agent")
    with rt.db.transaction() as s:
        user = service.get_user(session=s, username="alice")
        _, secret = service.create_token(
            session=s, actor="t", name="alice-api", role="agent", user_id=user.id
        )
    headers = {"Authorization": f"Bearer {secret}"}
    sign_in(client, "alice")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with rt.db.transaction() as s:
        service.remove_user(session=s, actor="t", username="alice", reason="left")
    assert client.get("/", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    client.cookies.clear()
    assert sign_in(client, "alice").status_code == 401


def test_an_idle_session_expires(client: TestClient, rt: Runtime) -> None:
    from datetime import timedelta

    from callkeep.auth.models import StaffSession

    make_user(rt, "alice", "agent")
    sign_in(client, "alice")
    with rt.db.transaction() as s:
        for row in s.scalars(select(StaffSession)):
            row.last_seen_at = row.last_seen_at - sessions.IDLE - timedelta(seconds=1)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_dialer_is_for_tokens_only(rt: Runtime) -> None:
    import pytest

    with pytest.raises(InvalidInput), rt.db.transaction() as s:
        service.create_user(session=s, actor="t", username="d", role="dialer", password=PASSWORD)


def test_users_create_reads_the_password_from_stdin(settings: Settings, client: TestClient) -> None:
    env = {
        "CALLKEEP_DATA_DIR": str(settings.data_dir),
        "CALLKEEP_DATABASE_URL": settings.database_url,
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "callkeep",
            "users",
            "create",
            "dora",
            "--role",
            "auditor",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert sign_in(client, "dora").status_code == 303


def test_a_token_records_when_it_was_last_used(client: TestClient, rt: Runtime) -> None:
    with rt.db.transaction() as s:
        token, secret = service.create_token(session=s, actor="t", name="used", role="agent")
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    with rt.db.transaction(read_only=True) as s:
        listed = {t.id: use for t, _revoked, use in service.list_tokens(session=s)}
    assert listed[token.id] is not None
