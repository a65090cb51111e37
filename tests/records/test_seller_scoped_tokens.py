"""A token held to one seller checks, records and reads for that seller alone: every other
seller, and every endpoint not limited to one seller, is refused with 403 naming the scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from callkeep.auth import service as auth_service
from callkeep.kit.runtime import Runtime
from tests.records.conftest import World

SELLER = "androscoggin-energy"


@pytest.fixture
def scoped(rt: Runtime, world: World) -> dict[str, str]:
    """A dialer and an agent token held to Androscoggin Home Energy."""
    made = {}
    with rt.db.transaction() as s:
        for role in ("dialer", "agent"):
            _, secret = auth_service.create_token(
                session=s, actor="test", name=f"{role}-scoped", role=role, seller=SELLER
            )
            made[role] = secret
    return {role: {"Authorization": f"Bearer {secret}"} for role, secret in made.items()}  # type: ignore[misc]


def _refused(response: Any) -> str:
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == "out_of_scope"
    assert SELLER in error["message"]
    return str(error["message"])


def test_a_scoped_token_says_which_seller_it_is_held_to(
    client: TestClient, scoped: dict[str, Any]
) -> None:
    me = client.get("/api/v1/me", headers=scoped["dialer"]).json()
    assert me["seller"] == SELLER


def test_a_scoped_token_checks_for_its_seller_and_is_refused_another(
    client: TestClient, scoped: dict[str, Any]
) -> None:
    own = client.post("/api/v1/checks", json={"phone": "2077841234"}, headers=scoped["dialer"])
    assert own.status_code == 200, own.text
    named = client.post(
        "/api/v1/checks", json={"phone": "2077841234", "seller": SELLER}, headers=scoped["dialer"]
    )
    assert named.status_code == 200
    assert "birch" in _refused(
        client.post(
            "/api/v1/checks",
            json={"phone": "2077841234", "seller": "birch"},
            headers=scoped["dialer"],
        )
    )
    _refused(
        client.post(
            "/api/v1/checks/batch",
            json={"phones": ["2077841234"], "seller": "birch"},
            headers=scoped["dialer"],
        )
    )


def test_a_scoped_token_reads_only_its_sellers_decisions(
    client: TestClient, scoped: dict[str, Any], headers: dict[str, dict[str, str]]
) -> None:
    other = client.post(
        "/api/v1/checks", json={"phone": "2077841234", "seller": "birch"}, headers=headers["admin"]
    ).json()
    own = client.post(
        "/api/v1/checks", json={"phone": "2077841234"}, headers=scoped["agent"]
    ).json()
    assert (
        client.get(f"/api/v1/checks/{own['decision_id']}", headers=scoped["agent"]).status_code
        == 200
    )
    _refused(client.get(f"/api/v1/checks/{other['decision_id']}", headers=scoped["agent"]))


def test_a_scoped_token_posts_calls_for_its_seller_only(
    client: TestClient, scoped: dict[str, Any], call_body: Callable[..., dict[str, Any]]
) -> None:
    posted = client.post("/api/v1/calls", json=call_body(seller=None), headers=scoped["dialer"])
    assert posted.status_code == 201, posted.text
    _refused(
        client.post(
            "/api/v1/calls",
            json=call_body(seller="birch", campaign=None, external_call_id="x-2"),
            headers=scoped["dialer"],
        )
    )
    batch = client.post(
        "/api/v1/calls/batch",
        json={
            "calls": [
                call_body(external_call_id="b-1"),
                call_body(seller="birch", campaign=None, external_call_id="b-2"),
            ]
        },
        headers=scoped["dialer"],
    ).json()
    assert [r["status"] for r in batch["results"]] == [201, 403]
    assert batch["results"][1]["error"]["code"] == "out_of_scope"


def test_a_scoped_token_reads_only_its_sellers_calls(
    client: TestClient,
    scoped: dict[str, Any],
    headers: dict[str, dict[str, str]],
    call_body: Callable[..., dict[str, Any]],
) -> None:
    # the agent made the call, so works its contact: agents read the calls of those
    mine = client.post("/api/v1/calls", json=call_body(), headers=scoped["agent"]).json()
    theirs = client.post(
        "/api/v1/calls",
        json=call_body(seller="birch", campaign=None, external_call_id="t-1"),
        headers=headers["admin"],
    ).json()
    listed = client.get("/api/v1/calls", headers=scoped["agent"]).json()
    assert [c["id"] for c in listed["items"]] == [mine["id"]]
    _refused(client.get("/api/v1/calls?seller=birch", headers=scoped["agent"]))
    assert client.get(f"/api/v1/calls/{mine['id']}", headers=scoped["agent"]).status_code == 200
    _refused(client.get(f"/api/v1/calls/{theirs['id']}", headers=scoped["agent"]))
    _refused(
        client.post(
            f"/api/v1/calls/{theirs['id']}/amendments",
            json={"changes": {"outcome": "sale"}, "reason": "typo"},
            headers=scoped["agent"],
        )
    )


def test_a_scoped_token_records_and_reads_its_sellers_requests_only(
    client: TestClient, scoped: dict[str, Any], headers: dict[str, dict[str, str]]
) -> None:
    made = client.post(
        "/api/v1/dnc-requests", json={"phone": "2077841234"}, headers=scoped["agent"]
    )
    assert made.status_code == 201, made.text
    assert made.json()["seller"] == SELLER
    _refused(
        client.post(
            "/api/v1/dnc-requests",
            json={"phone": "2077841234", "seller": "birch"},
            headers=scoped["agent"],
        )
    )
    theirs = client.post(
        "/api/v1/dnc-requests",
        json={"phone": "2077845678", "seller": "birch"},
        headers=headers["admin"],
    ).json()
    listed = client.get("/api/v1/dnc-requests", headers=scoped["agent"]).json()
    assert {r["seller"] for r in listed["items"]} == {SELLER}
    _refused(client.get(f"/api/v1/dnc-requests/{theirs['id']}", headers=scoped["agent"]))


@pytest.mark.parametrize(
    "path", ["/api/v1/contacts", "/api/v1/sellers", "/api/v1/consents", "/api/v1/dnc-review-items"]
)
def test_a_scoped_token_is_refused_every_endpoint_not_held_to_one_seller(
    client: TestClient, scoped: dict[str, Any], path: str
) -> None:
    assert "not limited to one seller" in _refused(client.get(path, headers=scoped["agent"]))


def test_a_token_for_an_unknown_seller_is_not_created(rt: Runtime, world: World) -> None:
    from callkeep.errors import InvalidInput

    with pytest.raises(InvalidInput, match="no seller"), rt.db.transaction() as s:
        auth_service.create_token(session=s, actor="t", name="x", role="dialer", seller="nobody")


def test_the_command_line_creates_and_lists_a_scoped_token(
    settings: Any, client: TestClient, world: World
) -> None:
    import subprocess
    import sys

    env = {
        "CALLKEEP_DATA_DIR": str(settings.data_dir),
        "CALLKEEP_DATABASE_URL": settings.database_url,
        "PATH": "/usr/bin:/bin",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "callkeep", *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )

    made = run("tokens", "create", "--role", "dialer", "--name", "d9", "--seller", SELLER)
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip().splitlines()[-1]
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json()["seller"]
        == SELLER
    )
    listed = run("token", "list")
    assert any("d9" in line and SELLER in line for line in listed.stdout.splitlines())
    unknown = run("token", "create", "--seller", "nobody")
    assert unknown.returncode == 2 and "no seller" in unknown.stdout + unknown.stderr
