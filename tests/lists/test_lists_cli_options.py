"""The list command's own options read any text as a value or a refusal naming the option."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from callkeep.errors import InvalidInput
from callkeep.lists.cli import parse_area_codes, parse_as_of

REFUSED = object()


def _read(parse: Callable[[str], Any], text: str, option: str) -> Any:
    """What `parse` reads from `text`, or REFUSED when it refuses naming `option`."""
    try:
        return parse(text)
    except InvalidInput as refused:
        assert [p.field for p in refused.fields] == [option]
        return REFUSED


@given(st.one_of(st.text(max_size=30), st.text(alphabet="0123456789, ²３", max_size=20)))
def test_area_codes_are_three_ascii_digits_from_200_or_refused(text: str) -> None:
    codes = _read(parse_area_codes, text, "area_codes")
    assert codes in (None, REFUSED) or all(200 <= c <= 999 for c in codes)


@given(st.lists(st.integers(min_value=200, max_value=999), min_size=1, max_size=5))
def test_area_codes_written_out_are_read_back(codes: list[int]) -> None:
    assert parse_area_codes(",".join(map(str, codes))) == codes
    assert parse_area_codes(" ".join(map(str, codes))) == codes


@given(st.one_of(st.text(max_size=20), st.dates().map(date.isoformat)))
def test_an_as_of_date_is_a_date_or_refused(text: str) -> None:
    found = _read(parse_as_of, text, "as_of")
    assert found in (None, REFUSED) or isinstance(found, date)
