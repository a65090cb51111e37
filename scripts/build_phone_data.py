"""Builds callkeep's static NANP tables under src/callkeep/phone/data/ from phonenumbers' data.

Run once when phonenumbers is upgraded (`python scripts/build_phone_data.py`); the CSV files are
committed and nothing is fetched at run time. Three files come out:

- ``area_codes.csv``: per area code its region (US state or territory, CA province, other
  NANP country), the states it serves, its candidate IANA zones, and a note where corrected by hand;
- ``exchange_zones.csv``: NPA-NXX prefixes whose candidate zones are narrower than their area code's;
- ``nanp_prefixes.csv``: runs of NPA-NXX prefixes (``start,end,status``; status 1 = every number
  valid, 2 = validity depends on later digits) — prefixes in no run are not dialable.
"""

from __future__ import annotations

import csv
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import phonenumbers
from phonenumbers import PhoneNumber, is_valid_number, region_code_for_number
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
SAMPLES = [f"{d}555" for d in range(10)] + ["0000", "9999"]


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


def _area_zones(npa: int) -> tuple[str, ...]:
    """The area code's zones; where only its exchanges are listed, the union of theirs."""
    found = TIMEZONE_DATA.get(f"1{npa}")
    if found is not None:
        return tuple(found)
    union: list[str] = []
    for key, zones in TIMEZONE_DATA.items():
        if len(key) > 4 and key.startswith(f"1{npa}"):
            union.extend(z for z in zones if z not in union)
    return tuple(sorted(union))


def _prefix_status(npa: int) -> list[int]:
    """Per NXX 0-999: 0 no valid number, 1 every sample valid, 2 mixed."""
    out = []
    for nxx in range(1000):
        seen = {
            is_valid_number(PhoneNumber(country_code=1, national_number=int(f"{npa}{nxx:03d}{s}")))
            for s in SAMPLES
        }
        out.append(2 if len(seen) == 2 else (1 if True in seen else 0))
    return out


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(max_workers=2) as pool:
        statuses = dict(
            zip(range(200, 1000), pool.map(_prefix_status, range(200, 1000)), strict=True)
        )
    runs: list[tuple[int, int, int]] = []
    for npa in range(200, 1000):
        for nxx, status in enumerate(statuses[npa]):
            prefix = npa * 1000 + nxx
            if status == 0:
                continue
            if runs and runs[-1][1] == prefix - 1 and runs[-1][2] == status:
                runs[-1] = (runs[-1][0], prefix, status)
            else:
                runs.append((prefix, prefix, status))
    with (OUT / "nanp_prefixes.csv").open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["start", "end", "status"])
        w.writerows(runs)

    area_rows = []
    exchange_rows = []
    for npa in range(200, 1000):
        if not any(statuses[npa]):
            continue
        region = _region(npa) or "US"
        states = _states(npa) if region == "US" else set()
        if npa in STATE_CORRECTIONS:
            states = {STATE_CORRECTIONS[npa]}
        if region in TERRITORIES:
            states = {TERRITORIES[region]}
        note = ""
        zones = _area_zones(npa)
        if npa in ZONE_CORRECTIONS:
            zones, note = ZONE_CORRECTIONS[npa]
        elif region in REGION_ZONES:
            zones = REGION_ZONES[region]
        if not states and region == "US":
            # Toll-free and other non-geographic codes: no place; callers use every US zone.
            note = note or "non-geographic"
            zones = ()
        if states == {"IN"}:
            zones = tuple(
                "America/Indiana/Indianapolis" if z == "America/New_York" else z for z in zones
            )
        zones = tuple(z for z in zones if z != "Etc/Unknown")
        area_rows.append([npa, region, "|".join(sorted(states)), "|".join(zones), note])
        if npa in ZONE_CORRECTIONS:
            continue
        for nxx in range(200, 1000):
            narrow = _zones(f"1{npa}{nxx:03d}")
            if narrow and set(narrow) != set(zones) and set(narrow) <= set(zones):
                exchange_rows.append([npa, nxx, "|".join(narrow)])
    with (OUT / "area_codes.csv").open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["npa", "region", "states", "zones", "note"])
        w.writerows(area_rows)
    with (OUT / "exchange_zones.csv").open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["npa", "nxx", "zones"])
        w.writerows(exchange_rows)
    print(f"{len(area_rows)} area codes, {len(exchange_rows)} exchanges, {len(runs)} prefix runs")


if __name__ == "__main__":
    sys.exit(main())
