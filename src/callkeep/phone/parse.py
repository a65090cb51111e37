"""Parsing what people type into E.164, the one form callkeep stores and compares."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from callkeep.errors import InvalidInput

_MAX_INPUT = 64


_NANP_SHAPE = re.compile(r"^\s*\+?[0-9\s().\-]+$", re.ASCII)


@cache
def _dialable() -> Callable[[int], bool]:
    from callkeep.phone.validity import prefix_dialable

    return prefix_dialable


_UNDECIDED = (False, None)


def _nanp_fast(text: str) -> tuple[bool, str | None]:
    """(True, E.164) for a plainly written dialable NANP number, (True, None) for a plainly written
    NANP number the rule refuses, (False, None) when only libphonenumber can read it (other
    countries, letters)."""
    if not _NANP_SHAPE.match(text):
        return _UNDECIDED
    digits = "".join(ch for ch in text if "0" <= ch <= "9")
    plus = text.lstrip().startswith("+")
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    elif plus or len(digits) != 10:
        return _UNDECIDED
    return True, ("+1" + digits) if _dialable()(int(digits[:6])) else None


def try_normalize(text: str, *, region: str = "US") -> str | None:
    """The E.164 form of `text` if it is a dialable number, else None.

    National numbers are read as NANP (`region`). A NANP number must pass the one validity rule
    (`callkeep.phone.validity`: NXX-NXX-XXXX, no N11, area code in service); a number elsewhere
    must be valid under libphonenumber's metadata. Plainly written NANP numbers are answered from
    the rule's table without parsing.
    """
    if not isinstance(text, str) or not text.strip() or len(text) > _MAX_INPUT:
        return None
    if region == "US":
        decided, e164 = _nanp_fast(text)
        if decided:
            return e164
    # libphonenumber (its metadata takes a while to load) only for what the rule cannot read
    import phonenumbers

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if number.country_code == 1:
        national = number.national_number or 0
        if number.italian_leading_zero or not 2_000_000_000 <= national <= 9_999_999_999:
            return None
        return f"+1{national}" if _dialable()(national // 10_000) else None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize(text: str, *, field: str = "phone", region: str = "US") -> str:
    """The E.164 form of `text`, or `InvalidInput` naming `field`."""
    e164 = try_normalize(text, region=region)
    if e164 is None:
        shown = text if isinstance(text, str) and len(text) <= _MAX_INPUT else "(too long)"
        raise InvalidInput.for_field(field, f"{shown!r} is not a dialable phone number")
    return e164


def nanp_ten_digits(e164: str) -> int | None:
    """The 10-digit NANP number (area code first) as an integer, for +1 numbers; else None."""
    if len(e164) == 12 and e164.startswith("+1") and e164[2:].isdigit():
        return int(e164[2:])
    return None


def area_code(e164: str) -> int | None:
    """The NANP area code of a +1 number."""
    digits = nanp_ten_digits(e164)
    return None if digits is None else digits // 10_000_000
