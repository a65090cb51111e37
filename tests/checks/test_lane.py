"""The check's own lane answers plain checks itself and hands every other request on intact."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from callkeep.app import create_app
from callkeep.checks import endpoints, service
from callkeep.checks.lane import CheckLane
from callkeep.checks.schemas import CheckIn
from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger
from tests.checks.conftest import ME_NUMBER, MONDAY_9AM_ME, World

LIMIT = 1024
FRESH = date(2026, 7, 1)  # the national list's as-of date: fresh on MONDAY_9AM_ME


@dataclass
class Behind:
    """The application behind the lane: records what reaches it, answers 418."""

    bodies: list[bytes] = field(default_factory=list)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        self.bodies.append(b"".join(chunks))
        await send({"type": "http.response.start", "status": 418, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def ask(
    lane: CheckLane,
    body: bytes,
    *,
    headers: dict[str, str],
    chunks: int = 1,
    path: str = "/api/v1/checks",
    length: bool = True,
) -> tuple[int, dict[str, str], bytes]:
    """One request through the lane, the body sent in `chunks` messages."""
    sent = {"content-type": "application/json", **headers}
    if length:
        sent["content-length"] = str(len(body))
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "headers": [(k.encode(), v.encode()) for k, v in sent.items()],
        "app": SimpleNamespace(state=lane.state),  # as the application sets it
    }
    step = max(1, -(-len(body) // chunks))
    parts = [body[i : i + step] for i in range(0, len(body), step)] or [b""]
    incoming = [
        {"type": "http.request", "body": part, "more_body": i < len(parts) - 1}
        for i, part in enumerate(parts)
    ]
    out: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        out.append(message)

    asyncio.run(lane(scope, receive, send))
    start, answer = out[0], b"".join(m.get("body", b"") for m in out[1:])
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, answer


def lane_over(rt: Runtime) -> tuple[CheckLane, Behind]:
    behind = Behind()
    return CheckLane(behind, state=SimpleNamespace(runtime=rt), limit=LIMIT), behind


def check_body(**fields: str) -> bytes:
    return json.dumps({"phone": ME_NUMBER, "at": MONDAY_9AM_ME, **fields}).encode()


def test_a_plain_check_is_decided_stored_and_answered_by_the_lane(
    world: World, tokens: dict[str, str]
) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH)
    lane, behind = lane_over(world.rt)
    body = check_body(campaign="windows")
    status, headers, answer = ask(lane, body, headers=bearer(tokens, "dialer"), chunks=3)
    assert behind.bodies == []
    assert status == 200
    assert headers == {"content-type": "application/json", "content-length": str(len(answer))}
    given = json.loads(answer)
    with world.rt.db.transaction(read_only=True) as session:
        stored = service.get_decision(session=session, decision_id=given["decision_id"])
        expected, _ = service.decide_one(
            session=session,
            check_in=CheckIn(phone=ME_NUMBER, at=MONDAY_9AM_ME, campaign="windows"),
        )
        assert ledger.verify(session=session).intact
    assert stored.model_dump() == given
    assert {**given, "decision_id": ""} == {**expected.model_dump(), "decision_id": ""}
    assert given["allowed"] is False and given["campaign"] == "windows"


@pytest.mark.parametrize(
    ("case", "body", "role", "extra"),
    [
        ("no token", check_body(), None, {}),
        ("a role that may not check", check_body(), "auditor", {}),
        ("not JSON", b'{"phone": "+1207', "dialer", {}),
        ("JSON but not an object", b'["+12075550123"]', "dialer", {}),
        ("no phone", b'{"at": "2026-07-06T13:00:00Z"}', "dialer", {}),
        ("a form body", b"phone=%2B12075550123", "dialer", {"content-type": "text/plain"}),
        ("a body over the limit", check_body(seller="x" * LIMIT), "dialer", {}),
    ],
)
def test_anything_but_a_plain_check_reaches_the_application_with_its_body(
    world: World,
    tokens: dict[str, str],
    case: str,
    body: bytes,
    role: str | None,
    extra: dict[str, str],
) -> None:
    lane, behind = lane_over(world.rt)
    headers = {**(bearer(tokens, role) if role else {}), **extra}
    status, _, _ = ask(lane, body, headers=headers, chunks=2)
    assert status == 418, case
    assert behind.bodies == [body], case


def test_other_paths_and_bodies_of_unknown_length_go_to_the_application(
    world: World, tokens: dict[str, str]
) -> None:
    lane, behind = lane_over(world.rt)
    body = check_body()
    assert ask(lane, body, headers=bearer(tokens, "dialer"), path="/api/v1/checks/batch")[0] == 418
    assert ask(lane, body, headers=bearer(tokens, "dialer"), length=False)[0] == 418
    assert behind.bodies == [body, body]


def bearer(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"authorization": f"Bearer {tokens[role]}"}


@pytest.fixture
def without_lane(rt: Runtime) -> Iterator[TestClient]:
    """The application with its own error handling, every check taking the route."""
    app = create_app(runtime=rt)
    app.user_middleware = [m for m in app.user_middleware if m.cls is not CheckLane]
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (check_body(seller="nobody"), "seller", "no seller 'nobody'"),
        (check_body(campaign="nothing"), "campaign", "no campaign 'nothing' for this seller"),
        (check_body(at="2026-07-06T09:00:00"), "at", None),
    ],
)
def test_a_check_that_cannot_be_decided_is_refused_as_the_application_refuses_it(
    world: World,
    without_lane: TestClient,
    tokens: dict[str, str],
    body: bytes,
    field: str,
    message: str | None,
) -> None:
    routed = without_lane.post(
        "/api/v1/checks",
        content=body,
        headers={**bearer(tokens, "dialer"), "content-type": "application/json"},
    )
    assert routed.status_code == 422
    refusal = routed.json()["error"]
    assert refusal["code"] == "invalid_input"
    assert [f["field"] for f in refusal["fields"]] == [field]
    if message is not None:
        assert refusal["fields"][0]["message"] == message
    lane, behind = lane_over(world.rt)
    status, headers, answer = ask(lane, body, headers=bearer(tokens, "dialer"))
    assert (status, answer) == (422, routed.content)
    assert headers["content-type"] == routed.headers["content-type"]
    assert behind.bodies == []


def test_in_the_application_a_plain_check_never_reaches_the_route(
    world: World, client: TestClient, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def not_here(*_args: Any) -> None:
        raise AssertionError("the route answered a plain check")

    monkeypatch.setattr(endpoints, "store_inline", not_here)
    json_type = {"content-type": "application/json"}
    answer = client.post(
        "/api/v1/checks", content=check_body(), headers={**bearer(tokens, "dialer"), **json_type}
    )
    assert answer.status_code == 200, answer.text
    refused = client.post("/api/v1/checks", content=check_body(), headers=json_type)
    assert refused.status_code == 401  # not plain: the application's own refusal
