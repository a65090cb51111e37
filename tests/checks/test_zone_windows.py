"""Calling hours in every candidate zone, for the places whose zones were once answered too
narrowly: each case's zones, then the minute before and after the window in each zone, and the
first and last minute of the window they share, on weekdays either side of both DST changes of
2026 and 2027."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from tests.checks.conftest import Decide, Facts, World, codes

CHI, NY, DEN = "America/Chicago", "America/New_York", "America/Denver"
LA, PHX, PAGO = "America/Los_Angeles", "America/Phoenix", "Pacific/Pago_Pago"


@dataclass(frozen=True)
class Case:
    phone: str
    zones: frozenset[str]
    window: tuple[int, int]  # the state's weekday hours, local (RULES.md 4.1; federal 8-21)
    zip_code: str | None = None
    state: str | None = None


CASES = {
    # area codes: where no exchange data is finer, every zone of the area code
    "270 Kentucky, Central and Eastern": Case("+12705550123", frozenset({CHI, NY}), (10, 21)),
    "270-781 Bowling Green, Central": Case("+12707810123", frozenset({CHI}), (10, 21)),
    "423 Tennessee, Eastern and Central": Case("+14235550123", frozenset({CHI, NY}), (8, 21)),
    "423-826 Chattanooga, Eastern": Case("+14238260123", frozenset({NY}), (8, 21)),
    "906 Upper Peninsula": Case("+19065550123", frozenset({CHI, NY}), (9, 21)),
    "906-774 Iron Mountain, Central": Case("+19067740123", frozenset({CHI}), (9, 21)),
    "308 Nebraska, Central and Mountain": Case("+13085550123", frozenset({CHI, DEN}), (8, 21)),
    "308-632 Scottsbluff, Mountain": Case("+13086320123", frozenset({DEN}), (8, 21)),
    "541 Oregon, Pacific and Mountain": Case("+15415550123", frozenset({LA, DEN}), (8, 21)),
    "541-889 Ontario, Mountain": Case("+15418890123", frozenset({DEN}), (8, 21)),
    "785 Kansas, Central and Mountain": Case("+17855550123", frozenset({CHI, DEN}), (8, 21)),
    "785-899 Goodland, Mountain": Case("+17858990123", frozenset({DEN}), (8, 21)),
    "620 Kansas, Central and Mountain": Case("+16205550123", frozenset({CHI, DEN}), (8, 21)),
    "689 Orlando, Eastern": Case("+16895550123", frozenset({NY}), (8, 20)),
    # ZIPs: the address adds its zones to the number's, never removes one
    "37388 Tullahoma, Central": Case("+19315550123", frozenset({CHI}), (8, 21), "37388"),
    "37388 with a Maine number": Case("+12075550123", frozenset({CHI, NY}), (8, 21), "37388"),
    "79830 Alpine, Central": Case("+14325550123", frozenset({CHI}), (9, 21), "79830"),
    "32456 Port St. Joe, both": Case("+18505550123", frozenset({CHI, NY}), (8, 20), "32456"),
    "86515 Window Rock, Navajo DST": Case("+19285550123", frozenset({DEN, PHX}), (8, 21), "86515"),
    "96799 Pago Pago": Case("+16845550123", frozenset({PAGO}), (8, 21), "96799"),
    "a state, no ZIP": Case("+12075550123", frozenset({NY, LA}), (8, 21), state="CA"),
}
# Weekdays on either side of each US DST change: 2026-03-08, 2026-11-01, 2027-03-14, 2027-11-07.
DAYS = [
    date(2026, 3, 6),
    date(2026, 3, 9),
    date(2026, 10, 30),
    date(2026, 11, 2),
    date(2027, 3, 12),
    date(2027, 3, 15),
    date(2027, 11, 5),
    date(2027, 11, 8),
]
MINUTE = timedelta(minutes=1)


def at_local(day: date, hour: int, zone: str) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(zone)).astimezone(UTC)


@pytest.mark.parametrize("name", list(CASES))
def test_every_candidate_zone_must_be_inside_the_window(
    name: str, world: World, decide: Decide
) -> None:
    case = CASES[name]
    facts = Facts(
        zips=frozenset({case.zip_code}) if case.zip_code else frozenset(),
        states=frozenset({case.state}) if case.state else frozenset(),
    )

    def hours_blocked(moment: datetime) -> bool:
        decision = decide(case.phone, at=moment.isoformat(), facts={case.phone: facts})
        assert {t.zone for t in decision.local_times} == case.zones, name
        return "calling_hours" in codes(decision)

    start, end = case.window
    for day in DAYS:
        for zone in case.zones:
            assert hours_blocked(at_local(day, start, zone) - MINUTE), (name, day, zone, "before")
            assert hours_blocked(at_local(day, end, zone)), (name, day, zone, "after")
        opens = max(at_local(day, start, zone) for zone in case.zones)
        closes = min(at_local(day, end, zone) for zone in case.zones)
        assert not hours_blocked(opens), (name, day, "first minute")
        assert not hours_blocked(closes - MINUTE), (name, day, "last minute")


def test_a_contacts_integer_zip_and_state_name_are_read_and_an_unknown_zip_is_reported(
    world: World, client: TestClient, tokens: dict[str, str]
) -> None:
    agent = {"Authorization": f"Bearer {tokens['agent']}"}
    made = client.post(
        "/api/v1/contacts",
        json={"name": "Ann Tull", "phone": "+12075550123", "zip": 37388, "state": "Tennessee"},
        headers=agent,
    )
    assert made.status_code in (200, 201), made.text
    assert (made.json()["zip"], made.json()["state"]) == ("37388", "TN")
    nowhere = client.post(
        "/api/v1/contacts",
        json={"name": "Bo Nowhere", "phone": "+12075550123", "zip": "00000"},
        headers=agent,
    )
    assert nowhere.status_code in (200, 201), nowhere.text
    checked = client.post(
        "/api/v1/checks",
        json={"phone": "+12075550123", "at": "2026-07-06T13:30:00Z"},  # 08:30 Central
        headers={"Authorization": f"Bearer {tokens['dialer']}"},
    )
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert {t["zone"] for t in body["local_times"]} == {NY, CHI}
    assert body["states"] == ["TN"]
    assert "calling_hours" not in [r["code"] for r in body["reasons"]]
    assert body["notes"] == ["ZIP 00000 is not a known US ZIP code: ignored for zones"]
    early = client.post(
        "/api/v1/checks",
        json={"phone": "+12075550123", "at": "2026-07-06T12:30:00Z"},  # 07:30 Central
        headers={"Authorization": f"Bearer {tokens['dialer']}"},
    )
    assert "calling_hours" in [r["code"] for r in early.json()["reasons"]]
