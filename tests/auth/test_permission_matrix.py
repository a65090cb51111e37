"""Every route of the app, as every role and as nobody: each gets what its declared rule says.

The routes are discovered from the application, so a route added without a rule fails here,
and so does one whose rule says one thing while the code does another.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from httpx import Response
from staff_login import USER_ROLES, make_user

from callkeep.app import create_app
from callkeep.auth import permissions, sessions
from callkeep.auth.roles import Role
from callkeep.kit.runtime import Runtime

DOCS = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def _request(
    client: TestClient, method: str, path: str, *, headers: dict[str, str], data: dict[str, str]
) -> Response:
    client.cookies.clear()
    if "cookie" in headers:
        client.cookies.set(sessions.COOKIE, headers.pop("cookie"))
    if method == "GET":
        return client.get(path, headers=headers, follow_redirects=False)
    if data:
        return client.request(method, path, headers=headers, data=data, follow_redirects=False)
    return client.request(method, path, headers=headers, json={}, follow_redirects=False)


def _session(rt: Runtime, role: str) -> str:
    from callkeep.auth import service

    with rt.db.transaction() as s:
        user = service.get_user(session=s, username=f"matrix-{role}")
        return sessions.start(session=s, user_id=user.id)


def test_no_route_is_without_a_rule(rt: Runtime) -> None:
    _known, missing = permissions.rules(create_app(runtime=rt))
    assert missing == [], f"routes without a permission rule: {missing}"


def test_the_permission_page_is_generated_from_the_code(rt: Runtime) -> None:
    expected = permissions.markdown(create_app(runtime=rt))
    assert DOCS.read_text() == expected, "run: callkeep permissions --out docs/permissions.md"


def test_every_route_answers_every_role_as_its_rule_says(
    client: TestClient, rt: Runtime, tokens: dict[str, str]
) -> None:
    for role in USER_ROLES:
        make_user(rt, f"matrix-{role}", role)
    from callkeep.auth import service

    with rt.db.transaction() as s:
        _, tokens["supervisor"] = service.create_token(
            session=s, actor="test", name="supervisor-token", role="supervisor"
        )
    known, missing = permissions.rules(client.app)  # type: ignore[arg-type]
    assert not missing
    walked = 0
    for item in known:
        method, path, rule = item.method, _concrete(item.path), item.rule
        # nobody
        anonymous = _request(client, method, path, headers={}, data={})
        if rule.roles is None:
            # anyone: a GET is answered; a POST may refuse only its missing form token (403)
            refused = (401, 403) if method == "GET" else (401,)
            assert anonymous.status_code not in refused, (method, path, anonymous.status_code)
            continue
        if rule.via == "token":
            # a webhook without its provider's signature may also be refused as forbidden
            refused = (401, 403) if rule.why else (401,)
            assert anonymous.status_code in refused, (method, path, anonymous.status_code)
        else:
            assert anonymous.status_code == 303, (method, path, anonymous.status_code)
            assert anonymous.headers["location"].startswith("/login"), (method, path)
        for role in Role:
            if rule.via == "token":
                headers = {"Authorization": f"Bearer {tokens[role.value]}"}
                data: dict[str, str] = {}
            else:
                if role is Role.DIALER:
                    # no dialer person exists; its token opens no page
                    headers = {"Authorization": f"Bearer {tokens['dialer']}"}
                    got = _request(client, method, path, headers=headers, data={})
                    assert got.status_code == 303, (method, path, "dialer token", got.status_code)
                    continue
                secret = _session(rt, role.value)
                headers = {"cookie": secret}
                data = {"csrf": sessions.csrf_for(sessions._digest(secret))}
            got = _request(client, method, path, headers=headers, data=data)
            walked += 1
            if role in rule.roles:
                assert got.status_code not in (401, 403), (method, path, role, got.status_code)
                location = got.headers.get("location", "")
                if path != "/logout":  # signing out ends at the sign-in page
                    assert not location.startswith("/login"), (method, path, role, location)
            else:
                assert got.status_code == 403, (method, path, role, got.status_code)
                if rule.via == "session":
                    assert "text/html" in got.headers["content-type"], (method, path, role)
    assert walked > 100


def test_the_api_takes_no_session_cookie(client: TestClient, rt: Runtime) -> None:
    make_user(rt, "matrix-admin", "admin")
    secret = _session(rt, "admin")
    client.cookies.set(sessions.COOKIE, secret)
    assert client.get("/api/v1/me").status_code == 401


def test_the_dialer_reads_nothing_personal(client: TestClient, tokens: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {tokens['dialer']}"}
    for path in ("/api/v1/contacts", "/api/v1/calls", "/api/v1/dnc-requests", "/api/v1/employees"):
        assert client.get(path, headers=headers).status_code == 403, path
    assert client.get("/api/v1/me", headers=headers).status_code == 200
