"""An Idempotency-Key belongs to the client that sent it and to the seller: another client's or
seller's call with the same key is a different call, and the same client sending the same key
with a different call is refused (409) naming the key, never given the first record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from callkeep.auth import service as auth_service
from callkeep.kit.runtime import Runtime
from tests.world import stored_calls

Body = Callable[..., dict[str, Any]]
H = dict[str, dict[str, str]]


def _with_key(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


def test_a_key_another_seller_used_is_a_different_call(
    client: TestClient, headers: H, call_body: Body, rt: Runtime
) -> None:
    dialer = _with_key(headers["dialer"], "vici-7781")
    for_a = client.post("/api/v1/calls", json=call_body(), headers=dialer)
    for_b = client.post(
        "/api/v1/calls",
        json=call_body(seller="birch", campaign=None, called_number="+12075550142"),
        headers=dialer,
    )
    assert (for_a.status_code, for_b.status_code) == (201, 201)
    assert for_b.json()["id"] != for_a.json()["id"]
    assert for_b.json()["called_number"] == "+12075550142"
    assert stored_calls(rt) == 2


def test_a_key_another_client_used_is_a_different_call_even_under_the_same_token_name(
    client: TestClient, headers: H, call_body: Body, rt: Runtime
) -> None:
    with rt.db.transaction() as s:
        _, second = auth_service.create_token(
            session=s, actor="test", name="dialer-token", role="dialer"
        )
    first = client.post(
        "/api/v1/calls", json=call_body(), headers=_with_key(headers["dialer"], "7")
    )
    other = client.post(
        "/api/v1/calls",
        json=call_body(called_number="+12075550177"),
        headers=_with_key({"Authorization": f"Bearer {second}"}, "7"),
    )
    assert (first.status_code, other.status_code) == (201, 201)
    assert other.json()["called_number"] == "+12075550177"
    assert stored_calls(rt) == 2


def test_the_same_key_with_another_call_is_refused_naming_the_key(
    client: TestClient, headers: H, call_body: Body, rt: Runtime
) -> None:
    dialer = _with_key(headers["dialer"], "attempt-19")
    first = client.post("/api/v1/calls", json=call_body(), headers=dialer)
    changed = client.post("/api/v1/calls", json=call_body(duration_seconds=96), headers=dialer)
    again = client.post("/api/v1/calls", json=call_body(), headers=dialer)
    assert (first.status_code, changed.status_code, again.status_code) == (201, 409, 200)
    error = changed.json()["error"]
    assert error["code"] == "conflict" and "attempt-19" in error["message"]
    assert again.json()["id"] == first.json()["id"]
    assert stored_calls(rt) == 1


def test_the_same_call_spelled_differently_is_a_retry(
    client: TestClient, headers: H, call_body: Body
) -> None:
    dialer = _with_key(headers["dialer"], "attempt-20")
    first = client.post("/api/v1/calls", json=call_body(), headers=dialer)
    respelled = call_body(called_number="+12077841234", started_at="2026-07-04T09:00:00-04:00")
    again = client.post("/api/v1/calls", json=respelled, headers=dialer)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
