"""`plain_call_fields` says what `CallIn` says: whenever it answers, `CallIn` validates the same
values to exactly the same fields (values, their types, the fields' order); it leaves to
`CallIn` every value it refuses. Generated values sit on each check's edges: lengths at and past
each limit, the NUL character, numbers around the bounds, instants in and out of UTC and of range,
choices and not, fields unknown or named by their alias."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from callkeep.kit.bounds import CALL_SECONDS_MAX
from callkeep.records.calls.plain_input import plain_call_fields
from callkeep.records.schemas import CallIn

_NAMES = [*CallIn.model_fields, "telemarketer_id", "product_or_purpose", "no_such_field"]

_texts = st.one_of(
    st.text(max_size=5),
    st.integers(min_value=0, max_value=3).flatmap(
        lambda extra: st.sampled_from([39, 40, 199, 200, 399, 400]).map(lambda n: "x" * (n + extra))
    ),
    st.sampled_from(["a\x00b", "\x00", "consumer", "business", "busy", "no_answer", "Busy", ""]),
)
_instants = st.one_of(
    st.datetimes(timezones=st.just(UTC)),
    st.datetimes(),
    st.datetimes(timezones=st.just(timezone(timedelta(hours=-5)))),
    st.sampled_from(
        [datetime(1900, 1, 1, tzinfo=UTC), datetime(1899, 12, 31, 23, 59, 59, tzinfo=UTC)]
    ),
)
_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-2, max_value=2),
    st.integers(min_value=CALL_SECONDS_MAX - 1, max_value=CALL_SECONDS_MAX + 1),
    st.floats(allow_nan=False, min_value=0, max_value=10),
    _texts,
    _instants,
)


def _outcome(values: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return CallIn.model_validate(values).__dict__
    except ValidationError:
        return None


def _same(plain: dict[str, Any], validated: dict[str, Any]) -> None:
    assert list(plain) == list(validated)
    for name, value in plain.items():
        assert value == validated[name], name
        assert type(value) is type(validated[name]), name


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(st.sampled_from(_NAMES), _values, max_size=8))
def test_what_it_answers_is_what_call_in_validates(values: dict[str, Any]) -> None:
    plain = plain_call_fields(values)
    if plain is None:
        return
    validated = _outcome(values)
    assert validated is not None, values
    _same(plain, validated)


def test_a_dialer_files_calls_take_the_plain_road() -> None:
    values = {
        "called_number": "2075550123",
        "started_at": datetime(2026, 11, 2, 14, 0, tzinfo=UTC),
        "duration_seconds": 61,
        "disposition": "answered_person",
        "outcome": "asterisk ANSWERED",
        "caller_id_number": "2077840100",
        "caller_id_name": "ANDRO ENERGY",
        "calling_number": "2077840100",
        "subject": "heat pumps",
        "consumer_or_business": "consumer",
        "outbound": True,
        "prerecorded": False,
        "employee_id": None,
        "telemarketer_name": "Claire F.",
        "external_call_id": "asterisk:1762092000.1:" + "0" * 32,
        "campaign": "01JCAMPAIGN",
        "notes": "x" * 5000,
    }
    plain = plain_call_fields(values)
    assert plain is not None
    _same(plain, CallIn.model_validate(values).__dict__)


def test_what_call_in_refuses_is_left_to_it() -> None:
    for values in (
        {"called_number": "2" * 41},
        {"caller_id_name": "a\x00b"},
        {"duration_seconds": CALL_SECONDS_MAX + 1},
        {"duration_seconds": -1},
        {"disposition": "hung up"},
        {"started_at": datetime(1899, 12, 31, 23, 59, 59, tzinfo=UTC)},
        {"outbound": None, "manual_dial": None},
    ):
        assert plain_call_fields(values) is None, values
        assert _outcome(values) is None, values
