"""Writes src/callkeep/phone/data/zip5.csv: the state and candidate IANA zones of every 5-digit ZIP.

Run when the sources are upgraded (`pip install -e '.[data]'`, then `python scripts/build_zip5.py`);
the CSV is committed and nothing is fetched at run time. Two independent sources, both on PyPI:

- the `zipcodes` package: every ZIP with its state, centroid and a zone of its own;
- `timezonefinder` (+ `timezonefinder-data`): the IANA zone polygons of timezone-boundary-builder.

A ZIP's zones are the union of the zipcodes zone, the polygon zone at its centroid, and the polygon
zones at points around it (8 directions at 4, 8 and 12 km) that are zones of its own state: only
centroids are published, so a ZIP near a zone line inside its state gets both sides of the line,
and one near a state line does not inherit the neighbour's zone. The polygons' ``Etc/`` zones are
open sea, and a ZIP published without a centroid (0, 0) has only its zipcodes zone (or, with none,
its state's zones at run time). Military ZIPs (AA, AE, AP) have no place and are left out.
"""

from __future__ import annotations

import csv
import importlib.metadata
import math
from datetime import UTC, datetime
from pathlib import Path

import zipcodes
from timezonefinder import TimezoneFinder

OUT = Path(__file__).resolve().parent.parent / "src" / "callkeep" / "phone" / "data" / "zip5.csv"
MILITARY = {"AA", "AE", "AP"}
SEA = "Etc/"
RING_KM = (4.0, 8.0, 12.0)
DIRECTIONS = 8
KM_PER_DEGREE = 111.32


def ring(lat: float, lng: float) -> list[tuple[float, float]]:
    """Points around (lat, lng) at each ring distance, in every direction."""
    points = []
    for km in RING_KM:
        for step in range(DIRECTIONS):
            angle = 2 * math.pi * step / DIRECTIONS
            d_lat = km * math.cos(angle) / KM_PER_DEGREE
            d_lng = km * math.sin(angle) / (KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.1))
            points.append((lat + d_lat, lng + d_lng))
    return points


def main() -> None:
    finder = TimezoneFinder()
    rows = []
    state_zones: dict[str, set[str]] = {}
    for entry in zipcodes.list_all():
        state = entry["state"]
        if state in MILITARY:
            continue
        lat, lng = float(entry["lat"]), float(entry["long"])
        located = (lat, lng) != (0.0, 0.0)
        polygon = finder.timezone_at(lng=lng, lat=lat) if located else None
        own = {z for z in (entry["timezone"], polygon) if z and not z.startswith(SEA)}
        state_zones.setdefault(state, set()).update(own)
        rows.append((entry["zip_code"], state, lat, lng, own, located))
    out = []
    for zip_code, state, lat, lng, own, located in rows:
        zones = set(own)
        for p_lat, p_lng in ring(lat, lng) if located else []:
            found = finder.timezone_at(lng=p_lng, lat=p_lat)
            if found in state_zones[state]:
                zones.add(found)
        out.append((zip_code, state, "|".join(sorted(zones))))
    versions = {
        name: importlib.metadata.version(name)
        for name in ("zipcodes", "timezonefinder", "timezonefinder-data")
    }
    with OUT.open("w", newline="", encoding="utf-8") as f:
        f.write(
            "# ZIP code centroids and zones: zipcodes "
            f"{versions['zipcodes']} (PyPI); zone polygons: timezonefinder "
            f"{versions['timezonefinder']} with timezonefinder-data "
            f"{versions['timezonefinder-data']} (timezone-boundary-builder)\n"
        )
        f.write(
            f"# built {datetime.now(UTC).date().isoformat()} by scripts/build_zip5.py: "
            f"zones = zipcodes zone | polygon at centroid | polygons within {RING_KM[-1]:g} km "
            "that are zones of the same state\n"
        )
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["zip", "state", "zones"])
        w.writerows(sorted(out))
    print(f"{len(out)} ZIP codes, {sum('|' in z for _, _, z in out)} in more than one zone")


if __name__ == "__main__":
    main()
