"""Where a number may ring: area code (and exchange) or ZIP to states and candidate IANA zones.

The tables under phone/data/ are built once by scripts/build_phone_data.py and
scripts/build_zip3.py from phonenumbers' data plus commented hand corrections; nothing is fetched
at run time. A place whose zone is uncertain carries every candidate zone, and callers apply each.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import phonenumbers
from phonenumbers import timezone as pn_timezone

DATA_DIR = Path(__file__).resolve().parent / "data"

# Candidate zones of a state when only the state is known (every zone part of it keeps).
STATE_ZONES: dict[str, tuple[str, ...]] = {
    "AL": ("America/Chicago",),
    "AK": ("America/Anchorage", "America/Adak"),
    "AZ": ("America/Phoenix",),
    "AR": ("America/Chicago",),
    "CA": ("America/Los_Angeles",),
    "CO": ("America/Denver",),
    "CT": ("America/New_York",),
    "DE": ("America/New_York",),
    "DC": ("America/New_York",),
    "FL": ("America/New_York", "America/Chicago"),
    "GA": ("America/New_York",),
    "HI": ("Pacific/Honolulu",),
    "ID": ("America/Boise", "America/Los_Angeles"),
    "IL": ("America/Chicago",),
    "IN": ("America/Indiana/Indianapolis", "America/Chicago"),
    "IA": ("America/Chicago",),
    "KS": ("America/Chicago", "America/Denver"),
    "KY": ("America/New_York", "America/Chicago"),
    "LA": ("America/Chicago",),
    "ME": ("America/New_York",),
    "MD": ("America/New_York",),
    "MA": ("America/New_York",),
    "MI": ("America/Detroit", "America/Menominee"),
    "MN": ("America/Chicago",),
    "MS": ("America/Chicago",),
    "MO": ("America/Chicago",),
    "MT": ("America/Denver",),
    "NE": ("America/Chicago", "America/Denver"),
    "NV": ("America/Los_Angeles",),
    "NH": ("America/New_York",),
    "NJ": ("America/New_York",),
    "NM": ("America/Denver",),
    "NY": ("America/New_York",),
    "NC": ("America/New_York",),
    "ND": ("America/Chicago", "America/Denver"),
    "OH": ("America/New_York",),
    "OK": ("America/Chicago",),
    "OR": ("America/Los_Angeles", "America/Boise"),
    "PA": ("America/New_York",),
    "RI": ("America/New_York",),
    "SC": ("America/New_York",),
    "SD": ("America/Chicago", "America/Denver"),
    "TN": ("America/Chicago", "America/New_York"),
    "TX": ("America/Chicago", "America/Denver"),
    "UT": ("America/Denver",),
    "VT": ("America/New_York",),
    "VA": ("America/New_York",),
    "WA": ("America/Los_Angeles",),
    "WV": ("America/New_York",),
    "WI": ("America/Chicago",),
    "WY": ("America/Denver",),
    "PR": ("America/Puerto_Rico",),
    "VI": ("America/St_Thomas",),
    "GU": ("Pacific/Guam",),
    "MP": ("Pacific/Saipan",),
    "AS": ("Pacific/Pago_Pago",),
}
# A US number with no place at all (non-geographic codes such as 800) may ring in any of these.
US_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
)


@dataclass(frozen=True)
class AreaCode:
    """A NANP area code: its region (e.g. US, CA, JM), the states it serves, its candidate zones."""

    npa: int
    region: str
    states: frozenset[str]
    zones: tuple[str, ...]
    note: str

    @property
    def geographic(self) -> bool:
        """Whether the code belongs to a place (800 and the like do not)."""
        return bool(self.states) or self.region != "US"


@dataclass(frozen=True)
class Place:
    """Where a number may ring: candidate states and zones, and what they were derived from."""

    states: tuple[str, ...]
    zones: tuple[str, ...]
    source: str  # "address", "exchange", "area_code", "non_geographic", "international"


def _split(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.split("|") if part)


@lru_cache(maxsize=1)
def area_codes() -> dict[int, AreaCode]:
    """Every dialable NANP area code, from phone/data/area_codes.csv."""
    found = {}
    with (DATA_DIR / "area_codes.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            npa = int(row["npa"])
            found[npa] = AreaCode(
                npa=npa,
                region=row["region"],
                states=frozenset(_split(row["states"])),
                zones=_split(row["zones"]),
                note=row["note"],
            )
    return found


@lru_cache(maxsize=1)
def _exchange_zones() -> dict[int, tuple[str, ...]]:
    found = {}
    with (DATA_DIR / "exchange_zones.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            found[int(row["npa"]) * 1000 + int(row["nxx"])] = _split(row["zones"])
    return found


@lru_cache(maxsize=1)
def _zip3() -> dict[str, tuple[str, tuple[str, ...]]]:
    found = {}
    with (DATA_DIR / "zip3.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            found[row["zip3"]] = (row["state"], _split(row["zones"]))
    return found


def area_code_info(npa: int) -> AreaCode | None:
    """The area code `npa`, or None when no number in it is dialable."""
    return area_codes().get(npa)


def state_for_zip(zip_code: str) -> str | None:
    """The state of a US ZIP code (5 digits, ZIP+4 accepted), or None when unknown."""
    digits = zip_code.strip()[:5]
    if len(digits) < 3 or not digits[:3].isdigit():
        return None
    found = _zip3().get(digits[:3])
    return None if found is None else found[0]


def zones_for_zip(zip_code: str) -> tuple[str, ...]:
    """Candidate zones of a ZIP code (its prefix's zone where known, else its state's zones)."""
    found = _zip3().get(zip_code.strip()[:3])
    if found is None:
        return ()
    state, zones = found
    return zones or STATE_ZONES.get(state, ())


def zones_for_states(states: Iterable[str]) -> tuple[str, ...]:
    """Every candidate zone of the given states."""
    zones: list[str] = []
    for state in sorted(set(states)):
        for name in STATE_ZONES.get(state, ()):
            if name not in zones:
                zones.append(name)
    return tuple(zones)


def place_of_prefix(prefix: int) -> Place:
    """The place of an NPA-NXX prefix (``npa * 1000 + nxx``): the exchange's zones where they
    narrow the area code's, else the area code's; non-geographic codes ring anywhere in the US."""
    info = area_code_info(prefix // 1000)
    if info is None:
        return Place(states=(), zones=US_ZONES, source="non_geographic")
    if not info.geographic:
        return Place(states=(), zones=info.zones or US_ZONES, source="non_geographic")
    exchange = _exchange_zones().get(prefix)
    states = tuple(sorted(info.states))
    if exchange is not None:
        return Place(states=states, zones=exchange, source="exchange")
    zones = info.zones or zones_for_states(info.states)
    return Place(states=states, zones=zones, source="area_code")


def place_of_address(*, states: Iterable[str] = (), zips: Iterable[str] = ()) -> Place | None:
    """The place given by a contact's known addresses (ZIP first, else state), or None if none."""
    zip_list = sorted({z for z in zips if state_for_zip(z) is not None})
    if zip_list:
        zip_states = {s for z in zip_list if (s := state_for_zip(z)) is not None}
        all_states = tuple(sorted(zip_states | set(states)))
        zones: list[str] = []
        for z in zip_list:
            zones.extend(name for name in zones_for_zip(z) if name not in zones)
        for name in zones_for_states(set(states) - zip_states):
            if name not in zones:
                zones.append(name)
        return Place(states=all_states, zones=tuple(zones), source="address")
    known = sorted({s for s in states if s in STATE_ZONES})
    if known:
        return Place(states=tuple(known), zones=zones_for_states(known), source="address")
    return None


def place_of_number(e164: str, *, states: Iterable[str] = (), zips: Iterable[str] = ()) -> Place:
    """Where `e164` may ring: the contact's known address first, else its area code and exchange.

    Numbers outside NANP carry libphonenumber's zones for them and no state.
    """
    by_address = place_of_address(states=states, zips=zips)
    if by_address is not None:
        return by_address
    if e164.startswith("+1") and len(e164) == 12:
        return place_of_prefix(int(e164[2:8]))
    number = phonenumbers.parse(e164)
    zones = tuple(z for z in pn_timezone.time_zones_for_number(number) if z != "Etc/Unknown")
    return Place(states=(), zones=zones or ("UTC",), source="international")


@lru_cache(maxsize=1)
def prefix_places() -> tuple[np.ndarray, tuple[Place, ...]]:
    """For vectorised work: an int32 array indexed by NPA-NXX (``npa * 1000 + nxx``) giving the
    index of its Place in the tuple returned with it."""
    places: list[Place] = []
    index: dict[Place, int] = {}

    def slot_of(place: Place) -> int:
        slot = index.get(place)
        if slot is None:
            slot = index[place] = len(places)
            places.append(place)
        return slot

    table = np.full(1_000_000, slot_of(Place((), US_ZONES, "non_geographic")), dtype=np.int32)
    exchanges = _exchange_zones()
    for npa in range(200, 1000):
        # An exchange with no override has its area code's place: compute that once per code.
        plain = next(npa * 1000 + nxx for nxx in range(1000) if npa * 1000 + nxx not in exchanges)
        table[npa * 1000 : npa * 1000 + 1000] = slot_of(place_of_prefix(plain))
    for prefix in exchanges:
        table[prefix] = slot_of(place_of_prefix(prefix))
    return table, tuple(places)


@lru_cache(maxsize=1)
def prefix_validity() -> np.ndarray:
    """A uint8 array indexed by NPA-NXX: 0 no dialable number, 1 every number dialable,
    2 depends on the last four digits (ask libphonenumber)."""
    table = np.zeros(1_000_000, dtype=np.uint8)
    with (DATA_DIR / "nanp_prefixes.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            table[int(row["start"]) : int(row["end"]) + 1] = int(row["status"])
    return table
