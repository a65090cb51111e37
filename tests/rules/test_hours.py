"""Every calling-hour, day and holiday rule of RULES.md §4.1, at the minute before and after each
edge, across daylight-saving changes and on holidays (observed dates included)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from callkeep.phone.states import STATE_ZONES
from callkeep.rules.catalog import catalog
from callkeep.rules.hours import judge_time

MONDAY = "2026-07-06"
SATURDAY = "2026-07-11"
SUNDAY = "2026-07-12"
HOLIDAY = "2026-07-03"  # Friday: Independence Day (Saturday July 4) observed


def at_local(zone: str, day: str, clock: str) -> datetime:
    """The instant when the wall clock in `zone` reads `day clock`."""
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def codes(state: str | None, zone: str, day: str, clock: str, mode: str | None = None) -> set[str]:
    states = [state] if state else []
    return set(
        judge_time(
            at=at_local(zone, day, clock), states=states, zones=[zone], dialing_mode=mode
        ).codes
    )


# (state, day, clock, expected codes): the minute before and after each edge of each window.
EDGES = [
    # federal baseline, no state overlay
    (None, MONDAY, "07:59", {"calling_hours"}),
    (None, MONDAY, "08:00", set()),
    (None, MONDAY, "08:01", set()),
    (None, MONDAY, "20:59", set()),
    (None, MONDAY, "21:00", {"calling_hours"}),
    (None, MONDAY, "21:01", {"calling_hours"}),
    (None, SUNDAY, "07:59", {"calling_hours"}),
    (None, SUNDAY, "20:59", set()),
    # Alabama 8-8, no Sunday, no holidays
    ("AL", MONDAY, "07:59", {"calling_hours"}),
    ("AL", MONDAY, "08:01", set()),
    ("AL", MONDAY, "19:59", set()),
    ("AL", MONDAY, "20:01", {"calling_hours"}),
    ("AL", SATURDAY, "19:59", set()),
    ("AL", SATURDAY, "20:01", {"calling_hours"}),
    ("AL", SUNDAY, "12:00", {"calling_day"}),
    ("AL", HOLIDAY, "12:00", {"holiday"}),
    # Connecticut 9-8 every day
    ("CT", MONDAY, "08:59", {"calling_hours"}),
    ("CT", MONDAY, "09:01", set()),
    ("CT", MONDAY, "19:59", set()),
    ("CT", MONDAY, "20:01", {"calling_hours"}),
    ("CT", SUNDAY, "08:59", {"calling_hours"}),
    ("CT", SUNDAY, "20:01", {"calling_hours"}),
    ("CT", HOLIDAY, "20:01", {"calling_hours"}),
    # Florida 8-8 every day
    ("FL", MONDAY, "07:59", {"calling_hours"}),
    ("FL", MONDAY, "08:01", set()),
    ("FL", MONDAY, "19:59", set()),
    ("FL", MONDAY, "20:01", {"calling_hours"}),
    ("FL", SUNDAY, "20:01", {"calling_hours"}),
    ("FL", HOLIDAY, "19:59", set()),
    # Illinois 8-9
    ("IL", MONDAY, "07:59", {"calling_hours"}),
    ("IL", MONDAY, "20:59", set()),
    ("IL", MONDAY, "21:01", {"calling_hours"}),
    # Kentucky 10-9
    ("KY", MONDAY, "09:59", {"calling_hours"}),
    ("KY", MONDAY, "10:01", set()),
    ("KY", MONDAY, "20:59", set()),
    ("KY", MONDAY, "21:01", {"calling_hours"}),
    ("KY", SUNDAY, "09:59", {"calling_hours"}),
    # Louisiana 8-8, no Sunday, no holidays
    ("LA", MONDAY, "07:59", {"calling_hours"}),
    ("LA", MONDAY, "08:01", set()),
    ("LA", MONDAY, "19:59", set()),
    ("LA", MONDAY, "20:01", {"calling_hours"}),
    ("LA", SUNDAY, "12:00", {"calling_day"}),
    ("LA", HOLIDAY, "12:00", {"holiday"}),
    # Maine: federal for live calls
    ("ME", MONDAY, "07:59", {"calling_hours"}),
    ("ME", MONDAY, "08:01", set()),
    ("ME", MONDAY, "20:59", set()),
    ("ME", MONDAY, "21:01", {"calling_hours"}),
    ("ME", SUNDAY, "12:00", set()),
    ("ME", HOLIDAY, "12:00", set()),
    # Maryland 8-8
    ("MD", MONDAY, "07:59", {"calling_hours"}),
    ("MD", MONDAY, "19:59", set()),
    ("MD", MONDAY, "20:01", {"calling_hours"}),
    ("MD", SUNDAY, "20:01", {"calling_hours"}),
    # Massachusetts 8-8
    ("MA", MONDAY, "07:59", {"calling_hours"}),
    ("MA", MONDAY, "19:59", set()),
    ("MA", MONDAY, "20:01", {"calling_hours"}),
    ("MA", HOLIDAY, "20:01", {"calling_hours"}),
    # Michigan 9-9
    ("MI", MONDAY, "08:59", {"calling_hours"}),
    ("MI", MONDAY, "09:01", set()),
    ("MI", MONDAY, "20:59", set()),
    ("MI", MONDAY, "21:01", {"calling_hours"}),
    # Minnesota 9-9
    ("MN", MONDAY, "08:59", {"calling_hours"}),
    ("MN", MONDAY, "09:01", set()),
    ("MN", MONDAY, "21:01", {"calling_hours"}),
    # Mississippi 8-8 Central, no Sunday, holidays allowed
    ("MS", MONDAY, "07:59", {"calling_hours"}),
    ("MS", MONDAY, "08:01", set()),
    ("MS", MONDAY, "19:59", set()),
    ("MS", MONDAY, "20:01", {"calling_hours"}),
    ("MS", SUNDAY, "12:00", {"calling_day"}),
    ("MS", HOLIDAY, "12:00", set()),
    # Nevada 9-8
    ("NV", MONDAY, "08:59", {"calling_hours"}),
    ("NV", MONDAY, "09:01", set()),
    ("NV", MONDAY, "19:59", set()),
    ("NV", MONDAY, "20:01", {"calling_hours"}),
    # New Mexico 9-9
    ("NM", MONDAY, "08:59", {"calling_hours"}),
    ("NM", MONDAY, "09:01", set()),
    ("NM", MONDAY, "21:01", {"calling_hours"}),
    # Oklahoma 8-8
    ("OK", MONDAY, "07:59", {"calling_hours"}),
    ("OK", MONDAY, "19:59", set()),
    ("OK", MONDAY, "20:01", {"calling_hours"}),
    ("OK", HOLIDAY, "20:01", {"calling_hours"}),
    # Pennsylvania 8-9, Sunday 1:30-9, no holidays
    ("PA", MONDAY, "07:59", {"calling_hours"}),
    ("PA", MONDAY, "20:59", set()),
    ("PA", MONDAY, "21:01", {"calling_hours"}),
    ("PA", SUNDAY, "13:29", {"calling_hours"}),
    ("PA", SUNDAY, "13:31", set()),
    ("PA", HOLIDAY, "12:00", {"holiday"}),
    # Rhode Island 9-6 weekdays, 10-5 Saturday, no Sunday, no holidays
    ("RI", MONDAY, "08:59", {"calling_hours"}),
    ("RI", MONDAY, "09:01", set()),
    ("RI", MONDAY, "17:59", set()),
    ("RI", MONDAY, "18:01", {"calling_hours"}),
    ("RI", SATURDAY, "09:59", {"calling_hours"}),
    ("RI", SATURDAY, "10:01", set()),
    ("RI", SATURDAY, "16:59", set()),
    ("RI", SATURDAY, "17:01", {"calling_hours"}),
    ("RI", SUNDAY, "12:00", {"calling_day"}),
    ("RI", HOLIDAY, "12:00", {"holiday"}),
    # Texas 9-9, Sunday noon-9
    ("TX", MONDAY, "08:59", {"calling_hours"}),
    ("TX", MONDAY, "09:01", set()),
    ("TX", MONDAY, "21:01", {"calling_hours"}),
    ("TX", SUNDAY, "11:59", {"calling_hours"}),
    ("TX", SUNDAY, "12:01", set()),
    ("TX", SUNDAY, "20:59", set()),
    # Utah 8-9, no Sunday, no holidays
    ("UT", MONDAY, "07:59", {"calling_hours"}),
    ("UT", MONDAY, "20:59", set()),
    ("UT", MONDAY, "21:01", {"calling_hours"}),
    ("UT", SUNDAY, "12:00", {"calling_day"}),
    ("UT", HOLIDAY, "12:00", {"holiday"}),
    # Washington 8-8
    ("WA", MONDAY, "07:59", {"calling_hours"}),
    ("WA", MONDAY, "19:59", set()),
    ("WA", MONDAY, "20:01", {"calling_hours"}),
]


@pytest.mark.parametrize(("state", "day", "clock", "expected"), EDGES)
def test_each_state_window_edge(
    state: str | None, day: str, clock: str, expected: set[str]
) -> None:
    zone = STATE_ZONES[state][0] if state else "America/New_York"
    assert codes(state, zone, day, clock) == expected


def test_every_state_of_the_rules_brief_is_in_the_table() -> None:
    tested = {row[0] for row in EDGES if row[0]}
    assert tested == set(catalog().states)


def test_a_sunday_holiday_in_alabama_names_both_the_day_and_the_holiday() -> None:
    # Christmas 2022 fell on a Sunday: Sunday is banned and the holiday itself too.
    assert codes("AL", "America/Chicago", "2022-12-25", "12:00") == {"calling_day", "holiday"}


def test_alabama_observes_a_saturday_holiday_on_the_friday_before() -> None:
    # Christmas 2027 is a Saturday: observed Friday December 24 (Ala. Code §1-3-8(a)).
    assert codes("AL", "America/Chicago", "2027-12-24", "12:00") == {"holiday"}
    assert codes("AL", "America/Chicago", "2027-12-23", "12:00") == set()


def test_a_sunday_holiday_is_observed_the_monday_after() -> None:
    # Independence Day 2027 is a Sunday: observed Monday July 5.
    assert codes("RI", "America/New_York", "2027-07-05", "12:00") == {"holiday"}
    assert codes("UT", "America/Denver", "2027-07-05", "12:00") == {"holiday"}


def test_mississippi_hours_are_read_in_central_time() -> None:
    # 08:30 in New York is 07:30 in Mississippi's Central time.
    assert codes("MS", "America/New_York", MONDAY, "08:30") == {"calling_hours"}
    assert codes("MS", "America/New_York", MONDAY, "09:30") == set()


@pytest.mark.parametrize(
    ("zone", "day", "utc_before", "utc_after"),
    [
        # New York: 8:00 is 13:00Z in winter (EST), 12:00Z in summer (EDT), around March 8, 2026
        ("America/New_York", "2026-03-06", "12:59", "13:01"),
        ("America/New_York", "2026-03-09", "11:59", "12:01"),
        # and around November 1, 2026
        ("America/New_York", "2026-10-30", "11:59", "12:01"),
        ("America/New_York", "2026-11-02", "12:59", "13:01"),
        # Arizona keeps standard time: 15:00Z all year
        ("America/Phoenix", "2026-01-05", "14:59", "15:01"),
        ("America/Phoenix", "2026-07-06", "14:59", "15:01"),
        # Hawaii: UTC-10 all year
        ("Pacific/Honolulu", "2026-07-06", "17:59", "18:01"),
        # Alaska: UTC-8 in summer, UTC-9 in winter
        ("America/Anchorage", "2026-07-06", "15:59", "16:01"),
        ("America/Anchorage", "2026-01-05", "16:59", "17:01"),
        # Indiana follows Eastern daylight time
        ("America/Indiana/Indianapolis", "2026-07-06", "11:59", "12:01"),
        ("America/Indiana/Indianapolis", "2026-01-05", "12:59", "13:01"),
        # Florida panhandle, Central
        ("America/Chicago", "2026-07-06", "12:59", "13:01"),
    ],
)
def test_the_morning_edge_follows_each_zones_daylight_saving(
    zone: str, day: str, utc_before: str, utc_after: str
) -> None:
    before = datetime.fromisoformat(f"{day}T{utc_before}:00+00:00")
    after = datetime.fromisoformat(f"{day}T{utc_after}:00+00:00")
    assert judge_time(at=before, states=[], zones=[zone]).codes == {"calling_hours"}
    assert judge_time(at=after, states=[], zones=[zone]).codes == frozenset()


def test_an_uncertain_zone_must_satisfy_every_candidate() -> None:
    # 08:30 Eastern is 07:30 Central: a number that may be in either is blocked.
    at = at_local("America/New_York", MONDAY, "08:30")
    assert judge_time(at=at, states=[], zones=["America/New_York"]).codes == frozenset()
    both = judge_time(at=at, states=[], zones=["America/New_York", "America/Chicago"])
    assert both.codes == {"calling_hours"}


@pytest.mark.parametrize(
    ("day", "clock", "mode", "expected"),
    [
        (MONDAY, "08:59", "predictive", {"calling_hours"}),
        (MONDAY, "09:01", "predictive", set()),
        (MONDAY, "16:59", "prerecorded", set()),
        (MONDAY, "17:01", "prerecorded", {"calling_hours"}),
        (SATURDAY, "12:00", "predictive", {"calling_day"}),
        (SUNDAY, "12:00", "prerecorded", {"calling_day"}),
        (MONDAY, "17:01", "manual", set()),
        (SATURDAY, "12:00", "manual", set()),
    ],
)
def test_maine_automated_dialing_keeps_weekday_business_hours(
    day: str, clock: str, mode: str, expected: set[str]
) -> None:
    assert codes("ME", "America/New_York", day, clock, mode) == expected


def test_a_blocked_time_cites_the_rule_that_blocks_it() -> None:
    at = at_local("America/New_York", MONDAY, "20:30")
    verdict = judge_time(at=at, states=["FL"], zones=["America/New_York"])
    assert verdict.citations["calling_hours"] == ("Fla. Stat. §501.616(6)(a)",)
    early = judge_time(
        at=at_local("America/New_York", MONDAY, "07:30"), states=[], zones=["America/New_York"]
    )
    assert early.citations["calling_hours"] == ("16 CFR 310.4(c); 47 CFR 64.1200(c)(1)",)


US_ZONES = sorted({z for zones in STATE_ZONES.values() for z in zones})


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(US_ZONES),
    day=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    minutes=st.integers(min_value=0, max_value=24 * 60 - 1),
    states=st.sets(st.sampled_from(sorted(catalog().states)), max_size=4),
    mode=st.sampled_from([None, "manual", "predictive", "prerecorded"]),
)
def test_moving_the_time_inside_every_window_never_adds_calling_hours(
    zone: str, day: date, minutes: int, states: set[str], mode: str | None
) -> None:
    # 15:00 local is inside every window of every rule; moving there on the same day may only
    # remove calling_hours, never add it, and leaves the day's other verdicts alone.
    own_zones = {"America/Chicago"} if "MS" in states else set()
    if "ME" in states and mode in ("predictive", "prerecorded"):
        own_zones.add("America/New_York")
    assume(own_zones <= {zone})  # rules read in their own zone are inside at 15:00 there only
    local = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone))
    original = (local + timedelta(minutes=minutes)).astimezone(UTC)
    inside = (local + timedelta(hours=15)).astimezone(UTC)
    before = judge_time(at=original, states=states, zones=[zone], dialing_mode=mode).codes
    after = judge_time(at=inside, states=states, zones=[zone], dialing_mode=mode).codes
    assert "calling_hours" not in after
    assert after - {"calling_hours"} == before - {"calling_hours"}
