"""Writes src/callkeep/phone/data/zip3.csv: the state (and, where a state spans zones, the zones)
of each 3-digit ZIP prefix, from the USPS prefix ranges below (hand-kept; military prefixes omitted).
"""

from __future__ import annotations

import csv
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "callkeep" / "phone" / "data" / "zip3.csv"

RANGES = [
    (5, 5, "NY"),
    (6, 7, "PR"),
    (8, 8, "VI"),
    (9, 9, "PR"),
    (10, 27, "MA"),
    (28, 29, "RI"),
    (30, 38, "NH"),
    (39, 49, "ME"),
    (50, 54, "VT"),
    (55, 55, "MA"),
    (56, 59, "VT"),
    (60, 69, "CT"),
    (70, 89, "NJ"),
    (100, 149, "NY"),
    (150, 196, "PA"),
    (197, 199, "DE"),
    (200, 200, "DC"),
    (201, 201, "VA"),
    (202, 205, "DC"),
    (206, 219, "MD"),
    (220, 246, "VA"),
    (247, 268, "WV"),
    (270, 289, "NC"),
    (290, 299, "SC"),
    (300, 319, "GA"),
    (320, 339, "FL"),
    (341, 349, "FL"),
    (350, 369, "AL"),
    (370, 385, "TN"),
    (386, 397, "MS"),
    (398, 399, "GA"),
    (400, 427, "KY"),
    (430, 459, "OH"),
    (460, 479, "IN"),
    (480, 499, "MI"),
    (500, 528, "IA"),
    (530, 549, "WI"),
    (550, 567, "MN"),
    (569, 569, "DC"),
    (570, 577, "SD"),
    (580, 588, "ND"),
    (590, 599, "MT"),
    (600, 629, "IL"),
    (630, 658, "MO"),
    (660, 679, "KS"),
    (680, 693, "NE"),
    (700, 714, "LA"),
    (716, 729, "AR"),
    (730, 732, "OK"),
    (733, 733, "TX"),
    (734, 749, "OK"),
    (750, 799, "TX"),
    (800, 816, "CO"),
    (820, 831, "WY"),
    (832, 838, "ID"),
    (840, 847, "UT"),
    (850, 865, "AZ"),
    (870, 884, "NM"),
    (885, 885, "TX"),
    (889, 898, "NV"),
    (900, 961, "CA"),
    (967, 968, "HI"),
    (969, 969, "GU"),
    (970, 979, "OR"),
    (980, 994, "WA"),
    (995, 999, "AK"),
]

# Prefixes whose zone differs from (or narrows) the state's candidate zones.
ZONES = {
    **{p: "America/Chicago" for p in (324, 325)},  # Florida panhandle (Pensacola, Panama City)
    **{p: "America/Denver" for p in (798, 799, 885)},  # El Paso, Texas
    **{p: "America/Chicago" for p in (370, 371, 372, 380, 381, 382, 383, 384, 385)},  # TN Central
    **{p: "America/New_York" for p in range(373, 380)},  # east Tennessee
    **{p: "America/Chicago" for p in (463, 464, 476, 477)},  # Gary, Evansville (Indiana)
    **{p: "America/Los_Angeles" for p in (835, 838)},  # north Idaho
    **{p: "America/Boise" for p in (832, 833, 834, 836, 837)},  # south Idaho (Mountain)
}


def main() -> None:
    with OUT.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["zip3", "state", "zones"])
        for start, end, state in RANGES:
            for prefix in range(start, end + 1):
                w.writerow([f"{prefix:03d}", state, ZONES.get(prefix, "")])


if __name__ == "__main__":
    main()
