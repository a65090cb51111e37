"""`POST /api/v1/calls/batch`: up to 1,000 calls, each answered on its own (201 recorded, 200 a
repeat, 422 with its fields), never all-or-nothing, idempotent per item; 413 past 1,000."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
from fastapi.testclient import TestClient

from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger
from tests.world import stored_calls

Body = Callable[..., dict[str, Any]]
H = dict[str, dict[str, str]]
BATCH = "/api/v1/calls/batch"


def test_a_batch_answers_each_call_and_stores_every_good_one(
    client: TestClient, headers: H, call_body: Body, rt: Runtime
) -> None:
    calls = [call_body(external_call_id=f"b-{i}") for i in range(10)]
    calls[2]["duration_seconds"] = 2**70
    calls[5]["started_at"] = 0
    calls[8] = {"called_number": "+12077841234"}  # nothing else: every missing field named
    answer = client.post(BATCH, json={"calls": calls}, headers=headers["dialer"])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    statuses = [r["status"] for r in body["results"]]
    assert statuses == [201, 201, 422, 201, 201, 422, 201, 201, 422, 201]
    assert [r["index"] for r in body["results"]] == list(range(10))
    assert (body["created"], body["repeated"], body["refused"]) == (7, 0, 3)
    fields = {i: [f["field"] for f in body["results"][i]["error"]["fields"]] for i in (2, 5)}
    assert fields == {2: ["duration_seconds"], 5: ["started_at"]}
    missing = {f["field"] for f in body["results"][8]["error"]["fields"]}
    assert {"telemarketer", "seller", "subject", "started_at"} <= missing
    assert body["results"][0]["call"]["external_call_id"] == "b-0"
    assert stored_calls(rt) == 7
    with rt.db.transaction(read_only=True) as s:
        assert ledger.verify(session=s).intact


def test_a_batch_sent_again_repeats_each_call_by_key_external_id_or_content(
    client: TestClient, headers: H, call_body: Body, rt: Runtime
) -> None:
    calls = [
        {**call_body(external_call_id=None), "idempotency_key": "k-1"},
        call_body(external_call_id="ext-1"),
        call_body(external_call_id=None, started_at="2026-07-04T14:00:00Z"),
    ]
    first = client.post(BATCH, json={"calls": calls}, headers=headers["dialer"]).json()
    again = client.post(BATCH, json={"calls": calls}, headers=headers["dialer"]).json()
    assert [r["status"] for r in first["results"]] == [201, 201, 201]
    assert [r["status"] for r in again["results"]] == [200, 200, 200]
    ids = [[r["call"]["id"] for r in b["results"]] for b in (first, again)]
    assert ids[0] == ids[1]
    changed = {**calls[0], "duration_seconds": 12}
    reused = client.post(BATCH, json={"calls": [changed]}, headers=headers["dialer"]).json()
    assert reused["results"][0]["status"] == 409
    assert "k-1" in reused["results"][0]["error"]["message"]
    assert stored_calls(rt) == 3


def test_a_call_repeated_inside_one_batch_is_stored_once(
    client: TestClient, headers: H, call_body: Body, rt: Runtime
) -> None:
    call = call_body(external_call_id=None)
    answer = client.post(BATCH, json={"calls": [call, call]}, headers=headers["dialer"]).json()
    assert [r["status"] for r in answer["results"]] == [201, 200]
    assert stored_calls(rt) == 1


def test_a_thousand_calls_are_taken_and_a_thousand_and_one_are_refused_whole(
    client: TestClient, headers: H, call_body: Body, rt: Runtime
) -> None:
    calls = [call_body(external_call_id=f"t-{i}") for i in range(1001)]
    refused = client.post(BATCH, json={"calls": calls}, headers=headers["dialer"])
    assert refused.status_code == 413
    assert refused.json()["error"]["code"] == "payload_too_large"
    assert stored_calls(rt) == 0
    taken = client.post(BATCH, json={"calls": calls[:1000]}, headers=headers["dialer"])
    assert taken.status_code == 200
    assert taken.json()["created"] == 1000
    assert stored_calls(rt) == 1000


def test_batches_and_single_posts_at_once_each_keep_their_own_answers(
    client: TestClient, headers: H, call_body: Body, rt: Runtime
) -> None:
    async def at_once() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=client.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://callkeep") as http:
            batches = [
                http.post(
                    BATCH,
                    json={
                        "calls": [
                            call_body(external_call_id=f"c-{b}-{i}", duration_seconds=i - 1)
                            for i in range(20)
                        ]
                    },
                    headers=headers["dialer"],
                )
                for b in range(3)
            ]
            singles = [
                http.post(
                    "/api/v1/calls",
                    json=call_body(external_call_id=f"s-{i}"),
                    headers=headers["dialer"],
                )
                for i in range(10)
            ]
            return list(await asyncio.gather(*batches, *singles))

    answers = asyncio.run(at_once())
    for batch in answers[:3]:
        statuses = [r["status"] for r in batch.json()["results"]]
        assert statuses == [422] + [201] * 19  # duration -1 is refused alone
    assert [a.status_code for a in answers[3:]] == [201] * 10
    assert stored_calls(rt) == 3 * 19 + 10


def test_a_batch_that_is_not_a_list_of_calls_is_refused(client: TestClient, headers: H) -> None:
    for body in ({}, {"calls": {}}, [1, 2]):
        refused = client.post(BATCH, json=body, headers=headers["dialer"])
        assert refused.status_code == 422, body
    assert client.post(BATCH, json={"calls": []}).status_code == 401
    refused = client.post(BATCH, json={"calls": []}, headers=headers["auditor"])
    assert refused.status_code == 403
