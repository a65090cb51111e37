"""Area code, exchange and ZIP to states and candidate IANA zones; the dialable-prefix table."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callkeep.phone.geo import (
    US_ZONES,
    _exchange_zones,
    area_code_info,
    place_of_number,
    place_of_prefix,
    prefix_places,
    prefix_validity,
    state_for_zip,
    zones_for_zip,
)
from callkeep.phone.parse import try_normalize


@pytest.mark.parametrize(
    ("phone", "states", "zones"),
    [
        ("+12075550123", ("ME",), ("America/New_York",)),
        ("+18505550123", ("FL",), ("America/New_York", "America/Chicago")),
        ("+13175550123", ("IN",), ("America/Indiana/Indianapolis",)),
        ("+16025550123", ("AZ",), ("America/Phoenix",)),
        ("+18085550123", ("HI",), ("Pacific/Honolulu",)),
        ("+19155550123", ("TX",), ("America/Denver",)),
        ("+12125550123", ("NY",), ("America/New_York",)),
    ],
)
def test_an_area_code_gives_its_states_and_zones(
    phone: str, states: tuple[str, ...], zones: tuple[str, ...]
) -> None:
    place = place_of_number(phone)
    assert place.states == states
    assert set(place.zones) == set(zones)


def test_alaska_numbers_carry_every_alaskan_zone() -> None:
    assert set(place_of_number("+19075550123").zones) == {
        "America/Anchorage",
        "America/Adak",
        "America/Juneau",
        "America/Nome",
    }


def test_toll_free_numbers_have_no_state_and_ring_anywhere_in_the_us() -> None:
    place = place_of_number("+18005550123")
    assert place.states == () and place.zones == US_ZONES
    assert place.source == "non_geographic"
    assert area_code_info(800) is not None and not area_code_info(800).geographic  # type: ignore[union-attr]


def test_canadian_and_caribbean_codes_have_their_region_and_no_us_state() -> None:
    bc = area_code_info(604)
    assert bc is not None and bc.region == "CA" and bc.states == frozenset()
    assert place_of_number("+16045550123").zones == ("America/Vancouver",)
    assert place_of_number("+17875550123").states == ("PR",)


def test_an_exchange_narrows_a_split_area_code() -> None:
    # Idaho's 208 spans Mountain and Pacific time; some exchanges are known to be one or the other.
    whole = set(place_of_number("+12085550123").zones)
    narrowed = {place_of_prefix(208_000 + nxx).zones for nxx in range(200, 1000)}
    assert any(set(z) < whole for z in narrowed)


def test_the_contacts_zip_adds_its_zones_to_the_area_codes() -> None:
    place = place_of_number("+12075550123", zips=["32501"])  # Pensacola, Florida: Central
    assert place.states == ("FL",)
    assert set(place.zones) == {"America/New_York", "America/Chicago"}
    assert place.source == "area_code+address"
    by_state = place_of_number("+12075550123", states=["AZ"])
    assert by_state.states == ("AZ",)
    assert set(by_state.zones) == {"America/New_York", "America/Phoenix"}


@pytest.mark.parametrize(
    ("zip_code", "state"),
    [("04210", "ME"), ("33101", "FL"), ("10001", "NY"), ("99501", "AK"), ("96813", "HI")],
)
def test_a_zip_code_gives_its_state(zip_code: str, state: str) -> None:
    assert state_for_zip(zip_code) == state
    assert zones_for_zip(zip_code)


def test_an_unknown_zip_gives_nothing() -> None:
    assert state_for_zip("00000") is None and state_for_zip("x") is None


def test_every_prefix_has_a_place() -> None:
    table, places = prefix_places()
    assert len(table) == 1_000_000
    assert int(table.max()) < len(places)


@settings(max_examples=400, deadline=None)
@given(number=st.integers(min_value=2_000_000_000, max_value=9_999_999_999))
def test_the_prefix_table_is_the_validity_rule(number: int) -> None:
    status = int(prefix_validity()[number // 10_000])
    assert status == int(try_normalize(f"+1{number}") is not None)


@settings(max_examples=400, deadline=None)
@given(prefix=st.integers(min_value=0, max_value=999_999))
def test_a_prefix_read_on_its_own_has_the_place_the_table_gives_it(prefix: int) -> None:
    table, places = prefix_places()
    assert place_of_prefix(prefix) == places[int(table[prefix])]


def test_every_exchange_and_area_code_has_the_place_the_table_gives_it() -> None:
    table, places = prefix_places()
    for npa in range(1000):
        assert place_of_prefix(npa * 1000 + 555) == places[int(table[npa * 1000 + 555])]
    for prefix in _exchange_zones():
        assert place_of_prefix(prefix) == places[int(table[prefix])]
