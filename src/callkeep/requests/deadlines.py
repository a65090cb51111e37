"""The compliance deadline of a request: ten business days from receipt (47 CFR 64.1200(d)(3)).

Business days are Monday to Friday, less US federal holidays as observed (the `holidays`
package). The day of receipt is counted in US Eastern time, where callkeep's first users work.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

BUSINESS_DAYS_TO_HONOR = 10
RETENTION_YEARS = 5
BUSINESS_ZONE = ZoneInfo("America/New_York")


@lru_cache(maxsize=64)
def _federal_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("US", years=[year]).keys())


def is_business_day(day: date) -> bool:
    """True on a weekday that is not a US federal holiday (observed dates included)."""
    return day.weekday() < 5 and day not in _federal_holidays(day.year)


def add_business_days(start: date, days: int) -> date:
    """The date `days` business days after `start` (`start` itself never counts)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current


def deadline_for(received_at: datetime) -> date:
    """The last day a request received at `received_at` may be honored on."""
    received_day = received_at.astimezone(BUSINESS_ZONE).date()
    return add_business_days(received_day, BUSINESS_DAYS_TO_HONOR)


def deadline_end(deadline: date) -> datetime:
    """The last instant of the deadline day, in Eastern time."""
    return datetime.combine(
        deadline + timedelta(days=1), time(0), tzinfo=BUSINESS_ZONE
    ) - timedelta(seconds=1)


def retain_until(received_at: datetime) -> date:
    """Five years from the request (47 CFR 64.1200(d)(6); 16 CFR 310.5(a))."""
    day = received_at.astimezone(BUSINESS_ZONE).date()
    try:
        return day.replace(year=day.year + RETENTION_YEARS)
    except ValueError:  # 29 February
        return day.replace(year=day.year + RETENTION_YEARS, day=28)
