"""Ten business days, counted without weekends and US federal holidays (observed dates too)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from callkeep.requests.deadlines import (
    add_business_days,
    deadline_for,
    is_business_day,
    retain_until,
)


def at_noon_eastern(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 17, 0, tzinfo=UTC)


def test_a_request_the_wednesday_before_thanksgiving_is_due_on_december_tenth() -> None:
    assert deadline_for(at_noon_eastern(date(2026, 11, 25))) == date(2026, 12, 10)


def test_christmas_and_new_year_do_not_count() -> None:
    assert deadline_for(at_noon_eastern(date(2026, 12, 24))) == date(2027, 1, 11)


def test_juneteenth_on_a_friday_does_not_count() -> None:
    assert deadline_for(at_noon_eastern(date(2026, 6, 17))) == date(2026, 7, 2)


def test_an_observed_juneteenth_on_friday_does_not_count() -> None:
    # 19 June 2027 is a Saturday; the holiday is observed on Friday the 18th.
    assert not is_business_day(date(2027, 6, 18))
    assert deadline_for(at_noon_eastern(date(2027, 6, 17))) == date(2027, 7, 2)


def test_an_observed_independence_day_on_monday_does_not_count() -> None:
    assert not is_business_day(date(2027, 7, 5))
    assert deadline_for(at_noon_eastern(date(2027, 6, 30))) == date(2027, 7, 15)


def test_a_request_late_in_the_evening_counts_from_the_eastern_day() -> None:
    # 03:00 UTC on Thanksgiving is still Wednesday evening in Maine.
    assert deadline_for(datetime(2026, 11, 26, 3, 0, tzinfo=UTC)) == date(2026, 12, 10)


def test_a_request_on_a_weekend_counts_from_the_next_business_day() -> None:
    assert deadline_for(at_noon_eastern(date(2026, 11, 28))) == date(2026, 12, 11)


def test_requests_are_kept_five_years() -> None:
    assert retain_until(at_noon_eastern(date(2026, 11, 25))) == date(2031, 11, 25)
    assert retain_until(at_noon_eastern(date(2028, 2, 29))) == date(2033, 2, 28)


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31)))
def test_the_deadline_is_exactly_ten_business_days_later(start: date) -> None:
    due = add_business_days(start, 10)
    assert is_business_day(due)
    between = [start + timedelta(days=n) for n in range(1, (due - start).days + 1)]
    assert sum(is_business_day(day) for day in between) == 10
    assert 12 <= (due - start).days <= 20
