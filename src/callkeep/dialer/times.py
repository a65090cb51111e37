"""A dialer's local times read into UTC to the second, in its IANA zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from callkeep.errors import InvalidInput


def zone_named(name: str | None, *, required_for: str | None = None) -> tzinfo | None:
    """The IANA zone `name` (``America/New_York``, ``UTC``); None when not given."""
    if name is None or not name.strip():
        if required_for:
            raise InvalidInput.for_field(
                "timezone",
                f"{required_for} files hold the dialer's local time: say which zone with "
                "--timezone (e.g. America/New_York, or UTC if the dialer writes GMT)",
            )
        return None
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
