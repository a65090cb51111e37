"""Instants in callkeep are UTC, to the second."""

from __future__ import annotations

from datetime import UTC, datetime

from callkeep.errors import InvalidInput
from callkeep.kit.bounds import check_range


def utcnow() -> datetime:
    """Now, in UTC, truncated to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def to_utc_second(moment: datetime, *, field: str = "time") -> datetime:
    """`moment` in UTC to the second; a moment without a zone is refused."""
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise InvalidInput.for_field(field, "a time must carry its zone, e.g. 2026-07-04T13:00:00Z")
    try:
        check_range(moment)
    except ValueError as exc:
        raise InvalidInput.for_field(field, str(exc)) from None
    return moment.astimezone(UTC).replace(microsecond=0)


def instant_to_utc_second(moment: datetime, *, field: str = "time") -> datetime:
    """`to_utc_second` for a moment whose range an `Instant` field has already checked: the
    same answer, without checking the range again (a bulk import converts one per record)."""
    if moment.microsecond:
        return to_utc_second(moment, field=field)
    if moment.tzinfo is UTC:
        return moment
    if moment.utcoffset() is not None:
        return moment.astimezone(UTC)
    return to_utc_second(moment, field=field)  # a moment without its zone: refused


def parse_instant(text: str, *, field: str = "at") -> datetime:
    """Parses ISO-8601 with a zone (``Z`` or an offset) into UTC to the second."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise InvalidInput.for_field(
            field, f"{text!r} is not an ISO-8601 time such as 2026-07-04T13:00:00Z"
        ) from None
    return to_utc_second(moment, field=field)


def iso(moment: datetime) -> str:
    """The canonical text of an instant: ``2026-07-04T13:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
