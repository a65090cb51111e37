"""What the edge accepts as a number or a time: only what the database can store as given.

An integer past the database's range (PostgreSQL's `integer` is 32 bits, SQLite's 64) reaches
the driver as an `OverflowError`; a bare number read as a time is stored as 1970-01-01 plus that
many seconds. Both are refused here, on the way in, with the field named (422), so no input
reaches a database error. These are pydantic types: declare a field or query parameter with
them and its bounds are in the OpenAPI document too.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

INT32_MAX = 2**31 - 1  # PostgreSQL's `integer`, the narrowest column an integer field reaches
CALL_SECONDS_MAX = 7 * 24 * 3600  # a call "lasting" longer than a week is a dialer's clock error
PAGE_MAX = 1000

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)

_NUMERIC = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")


def _text_not_number(value: Any) -> Any:
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMERIC.match(value)):
        raise ValueError("a time is ISO-8601 text such as 2026-07-04T13:00:00Z, not a number")
    return value


def check_range(moment: datetime) -> datetime:
    """`moment` if it lies between 1900-01-01 and 9999-12-31 in UTC; else ValueError.

    A naive moment is taken as UTC here (whether it may be naive is for its user to say).
    """
    try:
        utc = moment.astimezone(UTC) if moment.utcoffset() is not None else moment
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc.replace(tzinfo=UTC) <= LATEST:
        raise ValueError("a time between 1900-01-01 and 9999-12-31 (UTC)")
    return moment


Instant = Annotated[
    datetime,
    BeforeValidator(_text_not_number),
    AfterValidator(check_range),
    Field(json_schema_extra={"example": "2026-07-04T13:00:00Z"}),
]
"""An ISO-8601 time (with its zone, where its user requires one), never a bare number."""

Count = Annotated[int, Field(ge=0, le=INT32_MAX)]
"""A whole number of things that fits every engine's integer column."""

CallSeconds = Annotated[int, Field(ge=0, le=CALL_SECONDS_MAX)]
"""How long a call lasted, in seconds: zero up to a week."""

Cents = Annotated[int, Field(ge=0, le=INT32_MAX)]
"""An amount in cents, as the `integer` column holds it."""

Offset = Annotated[int, Field(ge=0, le=INT32_MAX)]
"""How many items a page skips."""

Limit = Annotated[int, Field(ge=1, le=PAGE_MAX)]
"""How many items a page holds."""
