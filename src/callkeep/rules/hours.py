"""Judging a moment against the calling-hour, day and holiday rules of the places a number may be."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from callkeep.rules.catalog import BANNED, DayRule, Window, catalog

CALLING_HOURS = "calling_hours"
CALLING_DAY = "calling_day"
HOLIDAY = "holiday"


@dataclass(frozen=True)
class TimeVerdict:
    """The time-based reasons a call is blocked, each with the citations of the rules that block it."""

    citations: dict[str, tuple[str, ...]]

    @property
    def codes(self) -> frozenset[str]:
        """The reason codes that block (empty: the time is fine everywhere)."""
        return frozenset(self.citations)


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The IANA zone `name` (cached)."""
    return ZoneInfo(name)


@lru_cache(maxsize=512)
def _holiday_dates(calendar: str, year: int) -> frozenset[date]:
    from holidays import country_holidays  # loaded by the first holiday rule read

    return frozenset(country_holidays("US", subdiv=calendar, years=year, observed=True).keys())


def is_holiday(calendar: str, day: date) -> bool:
    """Whether `day` is a legal holiday (or its observed date) in the US subdivision `calendar`."""
    return day in _holiday_dates(calendar, day.year)


def holiday_name(calendar: str, day: date) -> str | None:
    """The holiday's name in `calendar` on `day`, if any."""
    from holidays import country_holidays

    found = country_holidays("US", subdiv=calendar, years=day.year, observed=True).get(day)
    return None if found is None else str(found)


def _day_rule(weekday: DayRule, saturday: DayRule, sunday: DayRule, local: datetime) -> DayRule:
    return {5: saturday, 6: sunday}.get(local.weekday(), weekday)


class _Collector:
    def __init__(self) -> None:
        self.found: dict[str, list[str]] = {}

    def add(self, code: str, citation: str) -> None:
        seen = self.found.setdefault(code, [])
        if citation not in seen:
            seen.append(citation)

    def apply(self, rule: DayRule, local: datetime, code_if_banned: str, citation: str) -> None:
        if rule is None:
            return
        if rule == BANNED:
            self.add(code_if_banned, citation)
        elif isinstance(rule, Window) and not rule.admits(local.time()):
            self.add(CALLING_HOURS, citation)


def judge_time(
    *,
    at: datetime,
    states: Iterable[str],
    zones: Iterable[str],
    dialing_mode: str | None = None,
) -> TimeVerdict:
    """Every time-based reason a call at `at` is blocked, given the candidate states and zones.

    The federal window applies in every candidate zone; each state's overlay applies in every
    candidate zone (or in the state's own zone, e.g. Mississippi's Central time); a state's
    automated-dialing limits apply when `dialing_mode` is one they cover. Most restrictive wins.
    """
    rules = catalog()
    found = _Collector()
    zone_names = sorted(set(zones))
    locals_ = {name: at.astimezone(zone(name)) for name in zone_names}
    for local in locals_.values():
        if not rules.federal.admits(local.time()):
            found.add(CALLING_HOURS, rules.federal_citation)
    for state in sorted(set(states)):
        entry = rules.states.get(state)
        if entry is not None:
            where = [at.astimezone(zone(entry.zone))] if entry.zone else list(locals_.values())
            for local in where:
                day = _day_rule(entry.weekday, entry.saturday, entry.sunday, local)
                found.apply(day, local, CALLING_DAY, entry.citation)
                if entry.holiday_calendar and is_holiday(entry.holiday_calendar, local.date()):
                    found.apply(entry.holiday, local, HOLIDAY, entry.citation)
        auto = rules.automated.get(state)
        if auto is not None and dialing_mode in auto.dialing_modes:
            local = at.astimezone(zone(auto.zone))
            day = _day_rule(auto.weekday, auto.saturday, auto.sunday, local)
            found.apply(day, local, CALLING_DAY, auto.citation)
    return TimeVerdict(citations={code: tuple(c) for code, c in found.found.items()})
