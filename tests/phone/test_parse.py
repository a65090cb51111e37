"""Numbers are read the way people type them and stored as E.164; anything else is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callkeep.errors import InvalidInput
from callkeep.phone.geo import area_code_info
from callkeep.phone.parse import area_code, nanp_ten_digits, normalize, try_normalize


@pytest.mark.parametrize(
    "typed",
    [
        "207-784-1234",
        "(207) 784-1234",
        "+1 207 784 1234",
        "2077841234",
        "1-207-784-1234",
        " 207.784.1234 ",
    ],
)
def test_common_spellings_normalize_to_e164(typed: str) -> None:
    assert normalize(typed) == "+12077841234"


@pytest.mark.parametrize("typed", ["", "123", "207-111-1234", "999-555-1234", "hello", "2" * 80])
def test_unusable_numbers_are_refused_with_the_field_named(typed: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize(typed, field="called_number")
    assert caught.value.fields[0].field == "called_number"


def test_ten_digits_and_area_code() -> None:
    assert nanp_ten_digits("+12077841234") == 2077841234
    assert area_code("+12077841234") == 207
    assert nanp_ten_digits("+442079460958") is None


@given(st.integers(min_value=2_000_000_000, max_value=9_999_999_999))
def test_normalization_is_idempotent_and_keeps_the_digits(n: int) -> None:
    e164 = try_normalize(str(n))
    if e164 is not None:
        assert e164 == f"+1{n}"
        assert try_normalize(e164) == e164
        assert nanp_ten_digits(e164) == n


@given(st.text(max_size=40))
def test_any_text_either_normalizes_or_is_refused_cleanly(text: str) -> None:
    e164 = try_normalize(text)
    assert e164 is None or (e164.startswith("+") and e164[1:].isdigit())


def _slow(text: str) -> str | None:
    """libphonenumber reads the text; the rule, written out digit by digit, judges NANP."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 1:
        if not phonenumbers.is_valid_number(number):
            return None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    digits = f"{number.national_number}"
    if len(digits) != 10 or number.italian_leading_zero:
        return None
    npa, nxx = int(digits[:3]), int(digits[3:6])
    if npa < 200 or nxx < 200 or npa % 100 == 11 or nxx % 100 == 11:
        return None
    if area_code_info(npa) is None:
        return None
    return f"+1{digits}"


@given(
    st.integers(min_value=0, max_value=9_999_999_999),
    st.sampled_from(["{}", "+1{}", "1{}", "({a}) {b}-{c}", "{a}-{b}-{c}", "+1 {a} {b} {c}", "+{}"]),
)
def test_the_nanp_table_answers_exactly_as_the_rule_written_out(n: int, shape: str) -> None:
    digits = f"{n:010d}"
    text = shape.format(digits, a=digits[:3], b=digits[3:6], c=digits[6:])
    assert try_normalize(text) == _slow(text)
