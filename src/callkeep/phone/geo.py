"""Where a number may ring: area code (and exchange) or ZIP to states and candidate IANA zones.

The tables under phone/data/ are built once by scripts/build_phone_data.py (libphonenumber's area
code and exchange maps, plus the corrections of zone_differences.csv, each with its reason) and
scripts/build_zip5.py (every 5-digit ZIP placed in the IANA zone polygons); nothing is fetched at
run time. A place whose zone is uncertain carries every candidate zone, and callers apply each.

The candidate zones of a number are the union of the number's (by exchange where libphonenumber's
data is finer than the area code, else by area code) and those of each known address of the
contact (by 5-digit ZIP, else by state): an address never removes a zone the number gives.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from callkeep.phone.states import STATE_NAMES, STATE_ZONES, US_ZONES

DATA_DIR = Path(__file__).resolve().parent / "data"


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
    source: str  # "exchange", "area_code", "non_geographic", "international", "+address"


@dataclass(frozen=True)
class ZoneOrigin:
    """One candidate zone and every source that gives it."""

    zone: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Explanation:
    """A number's candidate zones with their origins, its states, and what was ignored and why."""

    phone: str
    states: tuple[str, ...]
    zones: tuple[ZoneOrigin, ...]
    notes: tuple[str, ...]


def _split(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.split("|") if part)


def _rows(name: str) -> Iterable[dict[str, str]]:
    with (DATA_DIR / name).open(newline="", encoding="utf-8") as f:
        yield from csv.DictReader(line for line in f if not line.startswith("#"))


@lru_cache(maxsize=1)
def area_codes() -> dict[int, AreaCode]:
    """Every NANP area code in service, from phone/data/area_codes.csv."""
    found = {}
    for row in _rows("area_codes.csv"):
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
    return {
        int(row["npa"]) * 1000 + int(row["nxx"]): _split(row["zones"])
        for row in _rows("exchange_zones.csv")
    }


@lru_cache(maxsize=1)
def _zip5() -> dict[str, tuple[str, tuple[str, ...]]]:
    return {row["zip"]: (row["state"], _split(row["zones"])) for row in _rows("zip5.csv")}


def zip_sources() -> str:
    """The source and build date of the ZIP table, as its file states them."""
    with (DATA_DIR / "zip5.csv").open(encoding="utf-8") as f:
        return " ".join(line[1:].strip() for line in f if line.startswith("#"))


def area_code_info(npa: int) -> AreaCode | None:
    """The area code `npa`, or None when it is not in service."""
    return area_codes().get(npa)


def zip5(zip_code: object) -> str | None:
    """The 5-digit ZIP written in `zip_code` (``04210``, ``04210-1234``, ``042101234``, or an
    integer such as 4210 read as text), or None when it is not written as a ZIP."""
    if isinstance(zip_code, bool):
        return None
    if isinstance(zip_code, int):
        zip_code = f"{zip_code:05d}" if 0 <= zip_code <= 99999 else str(zip_code)
    if not isinstance(zip_code, str):
        return None
    text = zip_code.strip()
    if len(text) == 10 and text[5] == "-":
        text = text[:5] + text[6:]
    if not text.isascii() or not text.isdigit() or len(text) not in (5, 9):
        return None
    return text[:5]


def state_for_zip(zip_code: object) -> str | None:
    """The state of a US ZIP code, or None when it is not a known ZIP."""
    found = _zip5().get(zip5(zip_code) or "")
    return None if found is None else found[0]


def zones_for_zip(zip_code: object) -> tuple[str, ...]:
    """Every zone a ZIP code's area touches, or () when it is not a known ZIP."""
    found = _zip5().get(zip5(zip_code) or "")
    if found is None:
        return ()
    state, zones = found
    return zones or STATE_ZONES.get(state, ())


def state_code(text: object) -> str | None:
    """The two-letter code of a state or territory given by code or full name, else None."""
    if not isinstance(text, str):
        return None
    key = " ".join(text.strip().casefold().split())
    if len(key) == 2 and key.upper() in STATE_ZONES:
        return key.upper()
    return STATE_NAMES.get(key)


def zones_for_states(states: Iterable[str]) -> tuple[str, ...]:
    """Every candidate zone of the given states."""
    zones: list[str] = []
    for state in sorted(set(states)):
        for name in STATE_ZONES.get(state, ()):
            if name not in zones:
                zones.append(name)
    return tuple(zones)


def _prefix_origins(prefix: int) -> tuple[tuple[str, ...], tuple[str, ...], str, str]:
    """(states, zones, source kind, source text) of an NPA-NXX prefix."""
    npa, nxx = divmod(prefix, 1000)
    info = area_code_info(npa)
    if info is None:
        return (), US_ZONES, "non_geographic", f"area code {npa} is not in service: every US zone"
    if not info.geographic:
        return (), info.zones or US_ZONES, "non_geographic", f"area code {npa} is non-geographic"
    exchange = _exchange_zones().get(prefix)
    states = tuple(sorted(info.states))
    if exchange is not None:
        return states, exchange, "exchange", f"exchange {npa}-{nxx:03d}"
    zones = info.zones or zones_for_states(info.states)
    return states, zones, "area_code", f"area code {npa}"


def place_of_prefix(prefix: int) -> Place:
    """The place of an NPA-NXX prefix (``npa * 1000 + nxx``): the exchange's zones where its data
    is finer than the area code's, else the area code's; non-geographic codes ring anywhere."""
    states, zones, kind, _ = _prefix_origins(prefix)
    return Place(states=states, zones=zones, source=kind)


def _address_origins(
    states: Iterable[str], zips: Iterable[object]
) -> tuple[tuple[str, ...], list[tuple[str, str]], list[str]]:
    """(states, [(zone, source)], notes) of a contact's known addresses."""
    notes: list[str] = []
    origins: list[tuple[str, str]] = []
    zip_states: set[str] = set()
    for raw in sorted({str(z) for z in zips if z is not None and str(z).strip()}):
        code = zip5(raw)
        if code is None:
            notes.append(f"ZIP {raw!r} is not a ZIP code (5 digits or ZIP+4): ignored for zones")
            continue
        state = state_for_zip(code)
        if state is None:
            notes.append(f"ZIP {code} is not a known US ZIP code: ignored for zones")
            continue
        zip_states.add(state)
        origins.extend((name, f"ZIP {code} ({state})") for name in zones_for_zip(code))
    known: set[str] = set()
    for raw in states:
        if raw is None or not str(raw).strip():
            continue
        code = state_code(str(raw))
        if code is None:
            notes.append(f"state {raw!r} is not a US state or territory: ignored")
            continue
        known.add(code)
        if code not in zip_states:
            origins.extend((name, f"state {code}") for name in STATE_ZONES[code])
    return tuple(sorted(known | zip_states)), origins, notes


Address = tuple[str, str]  # one known address: (state or "", ZIP or "")


def _addresses_origins(
    addresses: Iterable[Address],
) -> tuple[tuple[str, ...], list[tuple[str, str]], list[str]]:
    """(states, [(zone, source)], notes) of several known addresses, each on its own: an address
    with a ZIP gives the ZIP's zones, one without gives its state's (the addresses with a ZIP
    first, so one address reads as `_address_origins` reads it)."""
    states: set[str] = set()
    origins: list[tuple[str, str]] = []
    notes: list[str] = []
    for state, zip_code in sorted(set(addresses), key=lambda a: (not a[1], a[1], a[0])):
        found, more, said = _address_origins(
            (state,) if state else (), (zip_code,) if zip_code else ()
        )
        states.update(found)
        origins.extend(more)
        notes.extend(said)
    return tuple(sorted(states)), origins, list(dict.fromkeys(notes))


def _origins_of(
    states: Iterable[str], zips: Iterable[object], addresses: Iterable[Address] | None
) -> tuple[tuple[str, ...], list[tuple[str, str]], list[str]]:
    if addresses is not None:
        return _addresses_origins(addresses)
    return _address_origins(states, zips)


def place_of_address(
    *,
    states: Iterable[str] = (),
    zips: Iterable[object] = (),
    addresses: Iterable[Address] | None = None,
) -> Place | None:
    """The place given by a contact's known addresses (each ZIP, else its state), or None.

    `addresses` (state, ZIP) pairs keep each address apart: a ZIP in a state then narrows only
    its own address, never another address in that state with no ZIP. Without them, `states`
    and `zips` are read as one address."""
    found_states, origins, _ = _origins_of(states, zips, addresses)
    if not origins:
        return None
    return Place(
        states=found_states, zones=tuple(dict.fromkeys(z for z, _ in origins)), source="address"
    )


def with_address(number: Place, address: Place | None) -> Place:
    """The union of a number's place and its contact's address: the address's states (the
    contact's state decides which state's rules apply), every zone of both."""
    if address is None:
        return number
    zones = tuple(dict.fromkeys((*number.zones, *address.zones)))
    return Place(states=address.states, zones=zones, source=f"{number.source}+address")


def _international(e164: str) -> tuple[str, ...]:
    # libphonenumber and its zone tables load for the first number outside NANP
    import phonenumbers
    from phonenumbers import timezone as pn_timezone

    number = phonenumbers.parse(e164)
    zones = tuple(z for z in pn_timezone.time_zones_for_number(number) if z != "Etc/Unknown")
    return zones or ("UTC",)


def place_of_number(
    e164: str,
    *,
    states: Iterable[str] = (),
    zips: Iterable[object] = (),
    addresses: Iterable[Address] | None = None,
) -> Place:
    """Where `e164` may ring: the union of the number's zones (exchange, else area code) and the
    zones of the contact's known addresses. Numbers outside NANP carry libphonenumber's zones."""
    if e164.startswith("+1") and len(e164) == 12:
        number = place_of_prefix(int(e164[2:8]))
    else:
        number = Place(states=(), zones=_international(e164), source="international")
    return with_address(number, place_of_address(states=states, zips=zips, addresses=addresses))


def address_notes(
    *,
    states: Iterable[str] = (),
    zips: Iterable[object] = (),
    addresses: Iterable[Address] | None = None,
) -> tuple[str, ...]:
    """What of a contact's address was ignored for zones, and why (unknown ZIPs, states)."""
    return tuple(_origins_of(states, zips, addresses)[2])


def explain(e164: str, *, states: Iterable[str] = (), zips: Iterable[object] = ()) -> Explanation:
    """Every candidate zone of `e164` (with the contact's ZIPs and states) and where it came from."""
    origins: list[tuple[str, str]] = []
    if e164.startswith("+1") and len(e164) == 12:
        number_states, zones, _, text = _prefix_origins(int(e164[2:8]))
        origins.extend((name, text) for name in zones)
    else:
        number_states = ()
        origins.extend((name, "libphonenumber (outside NANP)") for name in _international(e164))
    found_states, address, notes = _address_origins(states, zips)
    origins.extend(address)
    by_zone: dict[str, list[str]] = {}
    for name, source in origins:
        by_zone.setdefault(name, [])
        if source not in by_zone[name]:
            by_zone[name].append(source)
    return Explanation(
        phone=e164,
        states=found_states if address else number_states,
        zones=tuple(ZoneOrigin(zone=z, sources=tuple(s)) for z, s in by_zone.items()),
        notes=tuple(notes),
    )


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
    """A uint8 array indexed by NPA-NXX: 1 every number dialable, 0 none (the one validity rule
    of `callkeep.phone.validity`; the last four digits never decide)."""
    from callkeep.phone.validity import dialable_prefixes

    return dialable_prefixes().astype(np.uint8)
