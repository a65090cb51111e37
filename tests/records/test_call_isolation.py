"""Calls posted at the same moment share a group commit, but never a fate: a bad call is refused
alone with its own 422 naming its field, and every good call is stored exactly once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger
from callkeep.records import models as m

if TYPE_CHECKING:
    from tests.records.conftest import World

Body = Callable[..., dict[str, Any]]
H = dict[str, dict[str, str]]

# Each bad call, and the field its refusal names.
BAD: dict[str, tuple[str, Any]] = {
    "huge_duration": ("duration_seconds", 2**70),
    "negative_duration": ("duration_seconds", -1),
    "week_long_duration": ("duration_seconds", 8 * 24 * 3600),
    "number_as_time": ("started_at", 0),
    "numeric_text_as_time": ("started_at", "1700000000"),
    "time_past_9999": ("started_at", "9999-12-31T23:00:00-05:00"),
    "time_before_1900": ("started_at", "0001-01-01T00:00:00+00:00"),
    "not_a_number": ("called_number", "not a phone"),
    "huge_number": ("called_number", 2**70),
    "name_too_long": ("telemarketer_name", "x" * 201),
    "nul_in_name": ("telemarketer_name", "Cl\x00aire"),
    "no_subject": ("subject", ""),
}


async def _post_all(
    client: TestClient, posts: list[tuple[dict[str, Any], dict[str, str]]]
) -> list[httpx.Response]:
    # raise_app_exceptions=False: a 500 is an answer to count here, not a test error
    transport = httpx.ASGITransport(app=client.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://callkeep") as http:
        return list(
            await asyncio.gather(
                *(http.post("/api/v1/calls", json=body, headers=h) for body, h in posts)
            )
        )


def _stored_by_external_id(rt: Runtime, prefix: str) -> dict[str, int]:
    with rt.db.transaction(read_only=True) as s:
        rows = s.execute(
            select(m.Call.external_call_id, func.count())
            .where(m.Call.external_call_id.like(f"{prefix}%"))
            .group_by(m.Call.external_call_id)
        )
        return {str(external): int(n) for external, n in rows}


def test_twenty_calls_at_once_with_one_too_long_for_any_integer_store_the_other_nineteen(
    client: TestClient, headers: H, call_body: Body, rt: Runtime, world: World
) -> None:
    posts = [(call_body(external_call_id=f"v-{i}"), headers["dialer"]) for i in range(20)]
    posts[7] = (call_body(external_call_id="v-7", duration_seconds=2**70), headers["dialer"])
    answers = asyncio.run(_post_all(client, posts))
    assert [a.status_code for a in answers] == [201] * 7 + [422] + [201] * 12
    assert [f["field"] for f in answers[7].json()["error"]["fields"]] == ["duration_seconds"]
    stored = _stored_by_external_id(rt, "v-")
    assert stored == {f"v-{i}": 1 for i in range(20) if i != 7}
    with rt.db.transaction(read_only=True) as s:
        assert ledger.verify(session=s).intact


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    mix=st.lists(st.one_of(st.just("good"), st.sampled_from(sorted(BAD))), min_size=1, max_size=30),
    repeats=st.lists(st.integers(min_value=0, max_value=29), max_size=5),
)
def test_any_mix_of_good_and_bad_calls_at_once_stores_each_good_one_exactly_once(
    client: TestClient,
    headers: H,
    call_body: Body,
    rt: Runtime,
    world: World,
    mix: list[str],
    repeats: list[int],
) -> None:
    prefix = f"p-{uuid.uuid4().hex[:8]}-"
    posts = []
    for i, kind in enumerate(mix):
        body = call_body(external_call_id=f"{prefix}{i}")
        if kind != "good":
            field, value = BAD[kind]
            body[field] = value
        posts.append((body, headers["dialer"]))
    # a dialer's retries of some of them, sent at the same moment as the first try
    posts += [posts[r] for r in repeats if r < len(mix)]
    answers = asyncio.run(_post_all(client, posts))
    kinds = mix + [mix[r] for r in repeats if r < len(mix)]
    for kind, answer in zip(kinds, answers, strict=True):
        if kind == "good":
            assert answer.status_code in (200, 201), answer.text
        else:
            assert answer.status_code == 422, (kind, answer.text)
            fields = [f["field"] for f in answer.json()["error"]["fields"]]
            assert fields == [BAD[kind][0]], (kind, fields)
    good = {f"{prefix}{i}" for i, kind in enumerate(mix) if kind == "good"}
    assert _stored_by_external_id(rt, prefix) == dict.fromkeys(good, 1)
    created = sum(1 for a in answers if a.status_code == 201)
    assert created == len(good)
