"""A dialer's local times read into UTC to the second, in its IANA zone (or, as Asterisk
writes them by default, in this machine's local time)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from callkeep.errors import InvalidInput


class _SystemLocal(tzinfo):
    """This machine's local time, as the C library keeps it (`localtime_r`, the way Asterisk
    writes its CDR times): each moment's offset is asked of the system, DST included."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        if dt is None:
            return None
        naive = dt.replace(tzinfo=None, microsecond=0)
        seconds = time.mktime(naive.timetuple())  # tm_isdst = -1: the system decides
        return naive - datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str:
        return "local"

    def fromutc(self, dt: datetime) -> datetime:
        seconds = (dt.replace(tzinfo=None) - _EPOCH).total_seconds()
        local = datetime(*time.localtime(seconds)[:6], dt.microsecond)
        return local.replace(tzinfo=self)

    def __repr__(self) -> str:
        return "this machine's local time"

    __str__ = __repr__


_EPOCH = datetime(1970, 1, 1)
SYSTEM_LOCAL: tzinfo = _SystemLocal()


def zone_named(name: str | None, *, default: tzinfo | None = None) -> tzinfo | None:
    """The IANA zone `name` (``America/New_York``, ``UTC``); `default` when not given."""
    if name is None or not name.strip():
        return default
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput.for_field("timezone", f"{name!r} is not an IANA time zone") from None


def local_instant(text: str, zone: tzinfo | None, *, what: str) -> datetime:
    """`text` (``YYYY-MM-DD HH:MM:SS``, or ISO-8601 with an offset) in UTC to the second.

    A time without an offset is read in `zone`; one the clocks skipped (the spring-forward
    hour) cannot have been written by a clock and is refused. In the repeated autumn hour the
    first of the two moments is taken.
    """
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a time (YYYY-MM-DD HH:MM:SS)") from None
    if moment.tzinfo is None:
        if zone is None:
            raise ValueError(f"{what} {text!r} has no zone: give --timezone")
        return _in_zone(moment, zone, text, what)
    return moment.astimezone(UTC).replace(microsecond=0)


def _in_zone(moment: datetime, zone: tzinfo, text: str, what: str) -> datetime:
    instant = moment.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != moment:
        raise ValueError(f"{what} {text!r} does not exist in {zone} (clocks skipped it)")
    return instant.replace(microsecond=0)


class LocalTimes:
    """`local_instant` for the many times of one file: the zone's offset is worked out once per
    hour and reused, except in an hour whose offset changes (then each time is worked out)."""

    def __init__(self, zone: tzinfo | None) -> None:
        self.zone = zone
        self._offsets: dict[str, timedelta | None] = {}

    def instant(self, text: str, *, what: str) -> datetime:
        zone = self.zone
        if zone is None or len(text) != 19 or text[10] != " ":
            return local_instant(text, zone, what=what)
        key = text[:13]
        if key not in self._offsets:
            self._offsets[key] = self._offset_of_hour(key)
        offset = self._offsets[key]
        if offset is None:
            return local_instant(text, zone, what=what)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{what} {text!r} is not a time (YYYY-MM-DD HH:MM:SS)") from None
        return (moment - offset).replace(tzinfo=UTC, microsecond=0)

    def _offset_of_hour(self, key: str) -> timedelta | None:
        assert self.zone is not None
        try:
            first = datetime.fromisoformat(key + ":00:00")
            last = datetime.fromisoformat(key + ":59:59")
            start = _in_zone(first, self.zone, key, "time")
            end = _in_zone(last, self.zone, key, "time")
        except ValueError:
            return None
        before, after = first - start.replace(tzinfo=None), last - end.replace(tzinfo=None)
        return before if before == after else None
