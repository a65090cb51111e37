"""Parsing what people type into E.164, the one form callkeep stores and compares."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import phonenumbers

from callkeep.errors import InvalidInput

_MAX_INPUT = 64


_NANP_SHAPE = re.compile(r"^\s*\+?[0-9\s().\-]+$", re.ASCII)


@cache
def _prefix_status() -> Any:
    from callkeep.phone.geo import prefix_validity

    return prefix_validity()


_UNDECIDED = (False, None)


def _nanp_fast(text: str) -> tuple[bool, str | None]:
    """(True, E.164) for a plainly written dialable NANP number, (True, None) for one that cannot
    be dialed, (False, None) when only libphonenumber can tell (other countries, letters,
    exchanges whose validity depends on the last four digits)."""
    if not _NANP_SHAPE.match(text):
        return _UNDECIDED
    digits = "".join(ch for ch in text if "0" <= ch <= "9")
    plus = text.lstrip().startswith("+")
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    elif plus or len(digits) != 10:
        return _UNDECIDED
    status = int(_prefix_status()[int(digits[:6])])
    if status == 1:
        return True, "+1" + digits
    if status == 0:
        return True, None
    return _UNDECIDED


def try_normalize(text: str, *, region: str = "US") -> str | None:
    """The E.164 form of `text` if it is a dialable number, else None.

    National numbers are read as NANP (`region`); a number must be valid under libphonenumber's
    metadata, so area codes and exchanges that do not exist are refused. Plainly written NANP
    numbers are answered from a table built from the same metadata, without parsing.
    """
    if not isinstance(text, str) or not text.strip() or len(text) > _MAX_INPUT:
        return None
    if region == "US":
        decided, e164 = _nanp_fast(text)
        if decided:
            return e164
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
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
