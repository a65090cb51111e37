"""The bulk road checks and stores a call exactly as the one-by-one road does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from callkeep.errors import InvalidInput
from callkeep.records.calls import validation as call_validation
from callkeep.records.schemas import CallIn

if TYPE_CHECKING:
    from tests.records.conftest import World

_BASE: dict[str, Any] = {
    "telemarketer_name": "Claire",
    "seller": "androscoggin-energy",
    "campaign": "heat-pumps",
    "subject": "heat pumps",
    "consumer_or_business": "consumer",
    "outbound": True,
    "prerecorded": False,
    "calling_number": "+12077840100",
    "caller_id_number": "+12077840100",
    "disposition": "answered_person",
}

zones = st.sampled_from(
    [None, UTC, timezone(timedelta(hours=-4)), timezone(timedelta(hours=5, minutes=45))]
)


def _outcome(run: Any) -> tuple[str, Any]:
    try:
        return "stored", run()
    except InvalidInput as exc:
        return "refused", sorted(p.field for p in exc.fields)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    called=st.one_of(
        # NUL is refused by CallIn; a lone surrogate is no text JSON could carry
        st.text(st.characters(exclude_characters="\x00", codec="utf-8"), max_size=16),
        st.sampled_from(["207-784-1234", "+12077841234"]),
    ),
    started=st.one_of(
        st.none(),
        st.datetimes(
            min_value=datetime(1901, 1, 1), max_value=datetime(9999, 12, 30), timezones=zones
        ),
    ),
    duration=st.one_of(st.none(), st.integers(min_value=0, max_value=5000)),
    manual=st.booleans(),
)
def test_a_call_in_a_batch_is_checked_and_stored_as_one_posted_alone(
    session: Session,
    world: World,
    called: str,
    started: datetime | None,
    duration: int | None,
    manual: bool,
) -> None:
    call_in = CallIn.model_validate(
        {
            **_BASE,
            "called_number": called,
            "started_at": started,
            "duration_seconds": duration,
            "manual_dial": manual,
        }
    )
    alone = _outcome(lambda: call_validation.prepare_call(session=session, call_in=call_in))
    resolved = (world.seller.id, world.campaign.id)
    in_batch = _outcome(lambda: call_validation.resolved_row(call_in, resolved, {}))
    assert in_batch[0] == alone[0]
    if alone[0] == "refused":
        assert in_batch[1] == alone[1]
        return
    for row in (alone[1], in_batch[1]):
        row.pop("employee_id", None)
        row.pop("telemarketer_name", None)
        row.pop("contact_id", None)
    assert in_batch[1] == alone[1]
    if started is not None:
        assert in_batch[1]["started_at"].tzinfo is UTC
        assert in_batch[1]["started_at"].microsecond == 0


def test_a_time_without_its_zone_is_refused_in_a_batch_too(world: World) -> None:
    call_in = CallIn.model_validate(
        {
            **_BASE,
            "called_number": "+12077841234",
            "started_at": "2026-07-04T13:00:00",
            "duration_seconds": 95,
        }
    )
    with pytest.raises(InvalidInput) as raised:
        call_validation.resolved_row(call_in, (world.seller.id, world.campaign.id), {})
    assert [p.field for p in raised.value.fields] == ["started_at"]
