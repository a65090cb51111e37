"""callkeep's zones held against sources no one here wrote: libphonenumber's own exchange map for
every dialable NPA-NXX, and for every ZIP the IANA zone polygons (timezonefinder) at its centroid
and the zipcodes package's own zone. callkeep may be broader; it may be narrower only where
zone_differences.csv says so, with a reason. Anything else narrower fails here."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import numpy as np
import zipcodes
from phonenumbers.tzdata import TIMEZONE_DATA
from timezonefinder import TimezoneFinder

from callkeep.phone.geo import DATA_DIR, place_of_prefix, state_for_zip, zones_for_zip
from callkeep.phone.validity import dialable_prefixes

UNKNOWN = "Etc/Unknown"


def _differences() -> Iterator[dict[str, str]]:
    with (DATA_DIR / "zone_differences.csv").open(newline="", encoding="utf-8") as f:
        yield from csv.DictReader(line for line in f if not line.startswith("#"))


@cache
def allowed() -> tuple[set[tuple[str, str, str]], dict[str, set[str]], set[str]]:
    """(kind, key, zone) removals, zone -> zones that stand for it, fallback keys."""
    removed: set[tuple[str, str, str]] = set()
    stands_for: dict[str, set[str]] = {}
    fallback: set[str] = set()
    for row in _differences():
        assert row["reason"].strip(), f"a difference without a reason: {row}"
        if row["change"] == "remove":
            removed.add((row["kind"], row["key"], row["zone"]))
        elif row["kind"] == "equivalent":
            stands_for.setdefault(row["zone"], set()).add(row["key"])
        elif row["kind"] == "fallback":
            fallback.add(row["key"])
    return removed, stands_for, fallback


def libphonenumber_zones(prefix: int) -> tuple[str, tuple[str, ...]]:
    """libphonenumber's answer for an NPA-NXX: the longest key of its map and its zones."""
    key = f"1{prefix:06d}"
    for end in range(len(key), 0, -1):
        found = TIMEZONE_DATA.get(key[:end])
        if found is not None:
            return key[:end], tuple(found)
    return "", ()


def missing(theirs: set[str], ours: set[str], *, removable: set[str]) -> set[str]:
    """The zones of an independent source that callkeep's answer lacks and no row allows."""
    _, stands_for, _ = allowed()
    return {
        zone
        for zone in theirs - ours - removable - {UNKNOWN}
        if not (stands_for.get(zone, set()) & ours)
    }


def test_every_difference_kept_by_hand_has_a_reason_and_equivalents_really_are_equal() -> None:
    _, stands_for, _ = allowed()
    hours = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=h) for h in range(0, 2 * 8760, 1)]
    for zone, names in stands_for.items():
        for name in names:
            a, b = ZoneInfo(zone), ZoneInfo(name)
            assert all(t.astimezone(a).utcoffset() == t.astimezone(b).utcoffset() for t in hours)


def test_no_dialable_exchange_has_fewer_zones_than_libphonenumber_gives_it() -> None:
    removed, _, fallback = allowed()
    narrower = []
    prefixes = np.flatnonzero(dialable_prefixes()).tolist()
    assert len(prefixes) > 300_000
    for prefix in prefixes:
        key, theirs = libphonenumber_zones(prefix)
        if key in fallback:
            continue
        npa = str(prefix // 1000)
        removable = {
            z for kind, k, z in removed if (kind, k) in (("npa", npa), ("prefix", f"{prefix:06d}"))
        }
        lacking = missing(set(theirs), set(place_of_prefix(prefix).zones), removable=removable)
        if lacking:
            narrower.append((prefix, sorted(lacking)))
    assert narrower == [], (
        f"{len(narrower)} exchanges narrower than libphonenumber: {narrower[:20]}"
    )


def test_every_zip_has_at_least_the_polygon_zone_at_its_centroid_and_its_own_zone() -> None:
    removed, _, fallback = allowed()
    finder = TimezoneFinder()
    narrower = []
    unknown = []
    checked = 0
    for entry in zipcodes.list_all():
        if entry["state"] in ("AA", "AE", "AP"):
            continue  # military: no place
        code = entry["zip_code"]
        if state_for_zip(code) is None:
            unknown.append(code)
            continue
        lat, lng = float(entry["lat"]), float(entry["long"])
        polygon = finder.timezone_at(lng=lng, lat=lat) if (lat, lng) != (0.0, 0.0) else None
        theirs = {z for z in (polygon, entry["timezone"]) if z and z.split("/")[0] not in fallback}
        removable = {z for kind, k, z in removed if (kind, k) == ("zip", code)}
        lacking = missing(theirs, set(zones_for_zip(code)), removable=removable)
        if lacking:
            narrower.append((code, sorted(lacking)))
        checked += 1
    assert unknown == []
    assert narrower == [], f"{len(narrower)} ZIPs narrower than the zone polygons: {narrower[:20]}"
    assert checked > 40_000
