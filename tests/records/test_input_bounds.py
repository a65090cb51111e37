"""No input reaches a database error: integers past what a column holds, and numbers or
impossible dates given as times, are refused at the edge (422, the field named)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from callkeep.kit.runtime import Runtime
from callkeep.records import models as m

if TYPE_CHECKING:
    from tests.records.conftest import World

H = dict[str, dict[str, str]]
HUGE = 2**70


def _purchase(world: World, **changes: Any) -> dict[str, Any]:
    body = {
        "contact_id": world.jane.id,
        "goods": "heat pump",
        "purchased_at": "2026-06-01T12:00:00Z",
        "amount_cents": 100,
    }
    return {**body, **changes}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount_cents", HUGE),
        ("amount_cents", 2**31),
        ("amount_cents", -1),
        ("purchased_at", 0),
        ("purchased_at", "0"),
        ("shipped_at", 1_700_000_000),
        ("purchased_at", "9999-12-31T23:59:59-05:00"),
    ],
)
def test_a_purchase_out_of_range_is_refused_naming_the_field(
    client: TestClient, headers: H, world: World, rt: Runtime, field: str, value: Any
) -> None:
    refused = client.post(
        "/api/v1/purchases", json=_purchase(world, **{field: value}), headers=headers["agent"]
    )
    assert refused.status_code == 422, refused.text
    assert [f["field"] for f in refused.json()["error"]["fields"]] == [field]
    with rt.db.transaction(read_only=True) as s:
        assert s.scalar(select(func.count()).select_from(m.Purchase)) == 0


def test_the_largest_amount_a_column_holds_is_stored(
    client: TestClient, headers: H, world: World
) -> None:
    stored = client.post(
        "/api/v1/purchases", json=_purchase(world, amount_cents=2**31 - 1), headers=headers["agent"]
    )
    assert stored.status_code == 201, stored.text
    assert stored.json()["amount_cents"] == 2**31 - 1


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/calls?offset={HUGE}",
        f"/api/v1/calls?limit={HUGE}",
        f"/api/v1/contacts?offset={HUGE}",
        f"/api/v1/dnc-requests?offset={HUGE}",
        "/api/v1/calls?from=0",
        "/api/v1/calls?to=9999-12-31T23:59:59-05:00",
    ],
)
def test_a_page_or_filter_out_of_range_is_refused(
    client: TestClient, headers: H, path: str
) -> None:
    refused = client.get(path, headers=headers["admin"])
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "invalid_input"


def test_the_largest_offset_answers_an_empty_page(client: TestClient, headers: H) -> None:
    page = client.get(f"/api/v1/calls?offset={2**31 - 1}", headers=headers["admin"])
    assert page.status_code == 200
    assert page.json()["items"] == []


@pytest.mark.parametrize("at", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00"])
def test_a_check_at_a_time_no_calendar_holds_is_refused_naming_at(
    client: TestClient, headers: H, world: World, at: str
) -> None:
    refused = client.post(
        "/api/v1/checks", json={"phone": "+12077841234", "at": at}, headers=headers["dialer"]
    )
    assert refused.status_code == 422, refused.text
    assert [f["field"] for f in refused.json()["error"]["fields"]] == ["at"]
