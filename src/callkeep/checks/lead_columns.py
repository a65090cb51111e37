"""Which column of a lead file holds the phone number: the one named, else a common name."""

from __future__ import annotations

import re

from callkeep.errors import InvalidInput

# Column names tried, in order, when none is named (compared lower-case, letters and digits only).
PHONE_COLUMN_GUESSES = (
    "phone",
    "phonenumber",
    "phone_number",
    "telephone",
    "telephonenumber",
    "mobile",
    "mobilephone",
    "mobilenumber",
    "cell",
    "cellphone",
    "cellnumber",
    "number",
    "tel",
    "phoneno",
    "primaryphone",
    "homephone",
    "contactnumber",
)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def find_phone_column(columns: list[str], wanted: str | None) -> int:
    """The index of the phone column: the one named (exactly, else ignoring case and
    punctuation), else the first common phone column name; InvalidInput naming the columns seen."""
    seen = ", ".join(repr(c) for c in columns) or "(none)"
    if wanted:
        if wanted in columns:
            return columns.index(wanted)
        normalized = [_norm(c) for c in columns]
        if _norm(wanted) in normalized:
            return normalized.index(_norm(wanted))
        raise InvalidInput.for_field(
            "phone_column", f"no column {wanted!r}; the file's columns are {seen}"
        )
    normalized = [_norm(c) for c in columns]
    for guess in PHONE_COLUMN_GUESSES:
        if _norm(guess) in normalized:
            return normalized.index(_norm(guess))
    raise InvalidInput.for_field(
        "phone_column",
        f"no phone column found (name it with --phone-column); the file's columns are {seen}",
    )
