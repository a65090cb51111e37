"""Builds callkeep's static NANP tables under src/callkeep/phone/data/ from phonenumbers' data.

Run once when phonenumbers is upgraded (`python scripts/build_phone_data.py`); the CSV files are
committed and nothing is fetched at run time. Two files come out:

- ``area_codes.csv``: every area code in service (a number in it is valid to libphonenumber), its
  region (US state or territory, CA province, other NANP country), the states it serves, its
  candidate IANA zones (the area code's own, every zone any of its exchanges has, and the hand
  corrections), and a note where corrected by hand;
- ``exchange_zones.csv``: NPA-NXX prefixes for which libphonenumber has finer data than the area
  code: every zone that data gives (a subset of the area code's zones, since those hold it).

``zone_differences.csv`` (hand-kept, each row with its reason) adds or removes a zone where
libphonenumber is wrong; the cross-check in tests/phone allows exactly those differences.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import phonenumbers
from phonenumbers import is_valid_number, region_code_for_number
from phonenumbers.geodata import GEOCODE_DATA
from phonenumbers.tzdata import TIMEZONE_DATA

OUT = Path(__file__).resolve().parent.parent / "src" / "callkeep" / "phone" / "data"

STATES = {
    "Alabama": "AL",
    "Alaska": "AK",
    "Arizona": "AZ",
    "Arkansas": "AR",
    "California": "CA",
    "Colorado": "CO",
    "Connecticut": "CT",
    "Delaware": "DE",
    "District of Columbia": "DC",
    "Washington D.C.": "DC",
    "Washington DC": "DC",
    "Florida": "FL",
    "Georgia": "GA",
    "Hawaii": "HI",
    "Idaho": "ID",
    "Illinois": "IL",
    "Indiana": "IN",
    "Iowa": "IA",
    "Kansas": "KS",
    "Kentucky": "KY",
    "Louisiana": "LA",
    "Maine": "ME",
    "Maryland": "MD",
    "Massachusetts": "MA",
    "Michigan": "MI",
    "Minnesota": "MN",
    "Mississippi": "MS",
    "Missouri": "MO",
    "Montana": "MT",
    "Nebraska": "NE",
    "Nevada": "NV",
    "New Hampshire": "NH",
    "New Jersey": "NJ",
    "New Mexico": "NM",
    "New York": "NY",
    "North Carolina": "NC",
    "North Dakota": "ND",
    "Ohio": "OH",
    "Oklahoma": "OK",
    "Oregon": "OR",
    "Pennsylvania": "PA",
    "Rhode Island": "RI",
    "South Carolina": "SC",
    "South Dakota": "SD",
    "Tennessee": "TN",
    "Texas": "TX",
    "Utah": "UT",
    "Vermont": "VT",
    "Virginia": "VA",
    "Washington": "WA",
    "West Virginia": "WV",
    "Wisconsin": "WI",
    "Wyoming": "WY",
}
TERRITORIES = {"PR": "PR", "VI": "VI", "GU": "GU", "MP": "MP", "AS": "AS"}

# Hand corrections, each with its reason. Zones are IANA names; most restrictive wins at run time,
# so an extra candidate only narrows the window.
ZONE_CORRECTIONS: dict[int, tuple[tuple[str, ...], str]] = {
    # Florida panhandle: west of the Apalachicola River is Central time; 850 and its overlay 448
    # serve both sides, phonenumbers lists Eastern only.
    850: (("America/New_York", "America/Chicago"), "Florida panhandle spans Eastern and Central"),
    448: (("America/New_York", "America/Chicago"), "overlay of 850: Eastern and Central"),
    # Indiana keeps its own IANA zones; most of the state follows America/Indiana/Indianapolis,
    # the north-west and south-west corners are Central.
    317: (("America/Indiana/Indianapolis",), "Indiana: Indianapolis zone"),
    463: (("America/Indiana/Indianapolis",), "overlay of 317"),
    765: (("America/Indiana/Indianapolis",), "Indiana: Indianapolis zone"),
    260: (("America/Indiana/Indianapolis",), "Indiana: Fort Wayne"),
    574: (
        ("America/Indiana/Indianapolis", "America/Chicago"),
        "north Indiana; Starke County is Central",
    ),
    812: (
        ("America/Indiana/Indianapolis", "America/Chicago"),
        "south Indiana; Evansville area is Central",
    ),
    930: (("America/Indiana/Indianapolis", "America/Chicago"), "overlay of 812"),
    219: (
        ("America/Chicago", "America/Indiana/Indianapolis"),
        "north-west Indiana, mostly Central",
    ),
    # The Navajo Nation in north-east Arizona keeps daylight time.
    928: (("America/Phoenix", "America/Denver"), "north Arizona; the Navajo Nation observes DST"),
}
# Recent overlays that phonenumbers' geocoder does not name yet.
STATE_CORRECTIONS: dict[int, str] = {
    332: "NY",  # Manhattan overlay of 212/646
    445: "PA",  # Philadelphia overlay of 215/267
    564: "WA",  # western Washington overlay
    726: "TX",  # San Antonio overlay of 210
    728: "FL",  # Palm Beach overlay of 561
    934: "NY",  # Long Island overlay of 631
}
REGION_ZONES = {
    "PR": ("America/Puerto_Rico",),
    "VI": ("America/St_Thomas",),
    "GU": ("Pacific/Guam",),
    "MP": ("Pacific/Saipan",),
    "AS": ("Pacific/Pago_Pago",),
}
DIFFERENCES = OUT / "zone_differences.csv"


def _differences() -> dict[tuple[str, str], dict[str, set[str]]]:
    """The add/remove rows of zone_differences.csv by (kind, key)."""
    found: dict[tuple[str, str], dict[str, set[str]]] = {}
    with DIFFERENCES.open(newline="", encoding="utf-8") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        for row in rows:
            if row["change"] in ("add", "remove"):
                entry = found.setdefault((row["kind"], row["key"]), {"add": set(), "remove": set()})
                entry[row["change"]].add(row["zone"])
    return found


def _corrected(zones: tuple[str, ...], change: dict[str, set[str]] | None) -> tuple[str, ...]:
    if change is None:
        return zones
    return tuple(sorted((set(zones) | change["add"]) - change["remove"]))


def _region(npa: int) -> str | None:
    for nxx in range(200, 1000, 7):
        number = phonenumbers.parse(f"+1{npa}{nxx}5555")
        if is_valid_number(number):
            return region_code_for_number(number)
    return None


def _zones(key: str) -> tuple[str, ...] | None:
    for end in range(len(key), 0, -1):
        found = TIMEZONE_DATA.get(key[:end])
        if found is not None:
            return tuple(found)
    return None


def _state_of(place: str) -> str | None:
    if place in STATES:
        return STATES[place]
    code = place.rsplit(", ", 1)[-1] if ", " in place else ""
    return code if code in STATES.values() else None


def _states(npa: int) -> set[str]:
    """The area code's state, else every state holding at least a fifth of its exchanges (the
    exchange data has stray entries, e.g. one NY exchange in NJ's 201, that must not add rules)."""
    named = _state_of(GEOCODE_DATA.get(f"1{npa}", {}).get("en", ""))
    if named is not None:
        return {named}
    counts: dict[str, int] = {}
    for key, names in GEOCODE_DATA.items():
        if len(key) == 7 and key.startswith(f"1{npa}"):
            state = _state_of(names.get("en", ""))
            if state is not None:
                counts[state] = counts.get(state, 0) + 1
    total = sum(counts.values())
    return {state for state, n in counts.items() if n * 5 >= total}


def _finer(
    npa: int, differences: dict[tuple[str, str], dict[str, set[str]]]
) -> dict[int, set[str]]:
    """Per NXX where libphonenumber has data finer than the area code (or a correction names the
    prefix): every zone that data gives, corrected."""
    found = {}
    for nxx in range(200, 1000):
        if nxx % 100 == 11:
            continue
        key = f"1{npa}{nxx:03d}"
        change = differences.get(("prefix", key[1:]))
        if change is None and not any(key[:end] in TIMEZONE_DATA for end in range(5, 8)):
            continue
        found[nxx] = set(_corrected(_zones(key) or (), change))
    return found


def _area_zones(npa: int, finer: dict[int, set[str]]) -> tuple[str, ...]:
    """The area code's own zones and every zone of its exchanges: an area code's answer never
    leaves out a zone that data for a part of it gives."""
    own = set(TIMEZONE_DATA.get(f"1{npa}", ()))
    return tuple(sorted(own.union(*finer.values())))


def _in_state(zones: tuple[str, ...], *, indiana: bool) -> tuple[str, ...]:
    """Zones as callkeep names them: Indiana's own Eastern zone within Indiana, no unknowns."""
    if indiana:
        zones = tuple(
            "America/Indiana/Indianapolis" if z == "America/New_York" else z for z in zones
        )
    return tuple(sorted(z for z in set(zones) if z != "Etc/Unknown"))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    differences = _differences()
    area_rows = []
    exchange_rows = []
    for npa in range(200, 1000):
        if npa % 100 == 11:
            continue
        found_region = _region(npa)
        if found_region is None:
            continue  # not in service
        region = found_region
        states = _states(npa) if region == "US" else set()
        if npa in STATE_CORRECTIONS:
            states = {STATE_CORRECTIONS[npa]}
        if region in TERRITORIES:
            states = {TERRITORIES[region]}
        note = ""
        finer = _finer(npa, differences)
        zones = _area_zones(npa, finer)
        if npa in ZONE_CORRECTIONS:
            zones, note = ZONE_CORRECTIONS[npa]
            zones = tuple(sorted(set(zones).union(*finer.values())))
        elif region in REGION_ZONES:
            zones = REGION_ZONES[region]
        zones = _corrected(zones, differences.get(("npa", str(npa))))
        if not states and region == "US":
            # Toll-free and other non-geographic codes: no place; callers use every US zone.
            note = note or "non-geographic"
            zones = ()
        indiana = states == {"IN"}
        zones = _in_state(zones, indiana=indiana)
        area_rows.append([npa, region, "|".join(sorted(states)), "|".join(zones), note])
        if not zones:
            continue
        for nxx, narrow_zones in finer.items():
            narrow = _in_state(tuple(narrow_zones), indiana=indiana)
            if narrow and set(narrow) != set(zones):
                exchange_rows.append([npa, nxx, "|".join(narrow)])
    with (OUT / "area_codes.csv").open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["npa", "region", "states", "zones", "note"])
        w.writerows(area_rows)
    with (OUT / "exchange_zones.csv").open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["npa", "nxx", "zones"])
        w.writerows(exchange_rows)
    print(f"{len(area_rows)} area codes, {len(exchange_rows)} exchanges with finer zones")


if __name__ == "__main__":
    sys.exit(main())
