"""Calls posted at the same moment are written in one transaction, and each post is answered
for itself: its own 201, 200 or refusal, and only once its call is stored."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger
from callkeep.records import models as m

if TYPE_CHECKING:
    from tests.records.conftest import World

Body = Callable[..., dict[str, Any]]
H = dict[str, dict[str, str]]


async def _post_at_once(
    client: TestClient, posts: list[tuple[dict[str, Any], dict[str, str]]]
) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=client.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://callkeep") as http:
        return list(
            await asyncio.gather(
                *(http.post("/api/v1/calls", json=body, headers=h) for body, h in posts)
            )
        )


def _stored(rt: Runtime) -> int:
    with rt.db.transaction(read_only=True) as s:
        return int(s.scalar(select(func.count()).select_from(m.Call)) or 0)


def test_calls_posted_at_once_are_each_answered_for_themselves(
    client: TestClient, headers: H, call_body: Body, rt: Runtime, world: World
) -> None:
    dialer = headers["dialer"]
    posts = [(call_body(external_call_id=f"vici-{i}"), dialer) for i in range(8)]
    posts.append((call_body(external_call_id="vici-bad", called_number="not a phone"), dialer))
    posts.append((call_body(external_call_id="vici-3"), dialer))  # a retry of the fourth
    posts.append((call_body(external_call_id="vici-key"), {**dialer, "Idempotency-Key": "k-1"}))
    posts.append((call_body(external_call_id="vici-key-2"), {**dialer, "Idempotency-Key": "k-1"}))
    answers = asyncio.run(_post_at_once(client, posts))
    statuses = [a.status_code for a in answers]
    assert sorted(statuses) == [200, *[201] * 9, 409, 422]
    assert answers[8].status_code == 422
    assert [f["field"] for f in answers[8].json()["error"]["fields"]] == ["called_number"]
    assert answers[9].json()["id"] == answers[3].json()["id"]
    # the same key on two different calls at once: whichever is written first is stored, the
    # other is refused with 409, never answered with the first one's record
    keyed = {answers[10].status_code: answers[10], answers[11].status_code: answers[11]}
    assert sorted(keyed) == [201, 409]
    assert "k-1" in keyed[409].json()["error"]["message"]
    assert keyed[201].json()["external_call_id"] in {"vici-key", "vici-key-2"}
    assert answers[0].json()["seller_id"] == world.seller.id
    assert _stored(rt) == 9
    with rt.db.transaction(read_only=True) as s:
        assert ledger.verify(session=s).intact


def test_a_post_without_credentials_is_refused_before_its_body_is_read(
    client: TestClient, headers: H
) -> None:
    refused = client.post("/api/v1/calls", json={"called_number": 12})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "authentication_required"
    invalid = client.post("/api/v1/calls", json={"called_number": 12}, headers=headers["agent"])
    assert invalid.status_code == 422


def test_an_idempotency_key_over_200_characters_is_refused_naming_the_header(
    client: TestClient, headers: H, call_body: Body, rt: Runtime
) -> None:
    refused = client.post(
        "/api/v1/calls",
        json=call_body(),
        headers={**headers["dialer"], "Idempotency-Key": "k" * 201},
    )
    assert refused.status_code == 422
    assert [f["field"] for f in refused.json()["error"]["fields"]] == ["idempotency-key"]
    assert _stored(rt) == 0


def test_a_repeat_answers_the_call_as_amended_since(
    client: TestClient, headers: H, call_body: Body
) -> None:
    body = call_body(external_call_id="vici-77")
    first = client.post("/api/v1/calls", json=body, headers=headers["dialer"]).json()
    client.post(
        f"/api/v1/calls/{first['id']}/amendments",
        json={"changes": {"disposition": "busy"}, "reason": "dialer bug"},
        headers=headers["agent"],
    )
    again = client.post("/api/v1/calls", json=body, headers=headers["dialer"])
    assert again.status_code == 200
    assert again.json()["disposition"] == "busy" and len(again.json()["amendments"]) == 1
