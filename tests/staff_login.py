"""Signing in to the staff app as a browser does: the form's token and cookie, then the post."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from httpx import Response

from callkeep.auth import service
from callkeep.kit.runtime import Runtime

PASSWORD = "correct horse battery"
USER_ROLES = ("admin", "compliance", "supervisor", "agent", "auditor")


def make_user(rt: Runtime, username: str, role: str, password: str = PASSWORD) -> None:
    with rt.db.transaction() as s:
        service.create_user(
            session=s, actor="test", username=username, role=role, password=password
        )


def form_token(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page carries a CSRF token"
    return found.group(1)


def sign_in(
    client: TestClient, username: str, password: str = PASSWORD, next_path: str = "/"
) -> Response:
    page = client.get("/login")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf": form_token(page.text),
            "next": next_path,
        },
        follow_redirects=False,
    )


def signed_in(client: TestClient, rt: Runtime, role: str) -> TestClient:
    """`client` signed in as a new user named after `role`."""
    make_user(rt, role, role)
    assert sign_in(client, role).status_code == 303
    return client
