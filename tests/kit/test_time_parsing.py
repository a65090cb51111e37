"""Every way a time enters callkeep (an `at` text, a query bound, a JSON field) gives a real
instant in UTC to the second, or a refusal naming the field: never another error, never a
number read as seconds since 1970."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from callkeep.errors import InvalidInput
from callkeep.kit.bounds import EARLIEST, LATEST, Instant
from callkeep.kit.clock import instant_to_utc_second, parse_instant, to_utc_second
from callkeep.requests.service import parse_bound

offsets = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
moments = st.datetimes(
    min_value=datetime(1901, 1, 1), max_value=datetime(9998, 12, 31), timezones=offsets
)
texts = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789-:+TZ. ", max_size=30),
    moments.map(lambda m: m.isoformat()),
)


class _Posted(BaseModel):
    at: Instant


def _in_range(moment: datetime) -> bool:
    return moment.tzinfo is not None and EARLIEST <= moment <= LATEST


@given(moments)
def test_an_iso_time_with_its_zone_is_read_as_the_same_instant_to_the_second(
    moment: datetime,
) -> None:
    read = parse_instant(moment.isoformat(), field="at")
    assert read.tzinfo is UTC
    assert read == moment.astimezone(UTC).replace(microsecond=0)


@given(texts)
def test_any_text_is_an_instant_in_range_or_a_refusal_naming_the_field(text: str) -> None:
    for parse in (
        lambda t: parse_instant(t, field="at"),
        lambda t: parse_bound(t, field="at"),
        lambda t: parse_bound(t, field="at", end=True),
    ):
        try:
            read = parse(text)
        except InvalidInput as refused:
            assert [p.field for p in refused.fields] == ["at"]
        else:
            assert _in_range(read) and read.microsecond == 0


@given(st.one_of(texts, st.integers(), st.floats(), st.booleans(), st.none()))
def test_a_posted_time_is_a_text_in_range_never_a_number(value: Any) -> None:
    try:
        posted = _Posted.model_validate({"at": value})
    except ValidationError as refused:
        assert [e["loc"] for e in refused.errors()] == [("at",)]
    else:
        assert isinstance(value, str) and not value.strip().lstrip("+-").isdigit()
        at = posted.at
        assert EARLIEST <= (at if at.tzinfo else at.replace(tzinfo=UTC)) <= LATEST


@pytest.mark.parametrize("value", [0, 1_700_000_000, "0", "1700000000", " 12.5 ", 1e9, True])
def test_a_number_is_not_a_time(value: Any) -> None:
    with pytest.raises(ValidationError, match="not a number"):
        _Posted.model_validate({"at": value})


@given(
    st.datetimes(
        min_value=datetime(1901, 1, 1),
        max_value=datetime(9998, 12, 31),
        timezones=st.one_of(st.none(), st.just(UTC), offsets),
    )
)
def test_an_instant_already_in_range_converts_as_any_time_does(moment: datetime) -> None:
    def outcome(convert: Any) -> object:
        try:
            return convert(moment, field="started_at")
        except InvalidInput as exc:
            return ("refused", [(p.field, p.message) for p in exc.fields])

    slow = outcome(to_utc_second)
    fast = outcome(instant_to_utc_second)
    assert fast == slow
    if isinstance(fast, datetime):
        assert (fast.tzinfo, fast.microsecond) == (UTC, 0)
