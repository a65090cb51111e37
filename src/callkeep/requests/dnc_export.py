"""The numbers a dialer must suppress, written as the dialer loads them.

`vicidial`: VICIdial's own DNC download (`list_download.php`): a `phone_number` header, then
one 10-digit number a line, and ``NPAXXXXXXX`` for a whole area code (its AREACODE mode).
`plain`: the same lines without the header (one number a line, as list files are read).
Numbers outside the NANP are written in E.164 in `plain`; `vicidial` leaves them out (its list
holds national digits only) and counts them, so that the operator can load them by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Literal

from sqlalchemy.orm import Session

from callkeep.requests import peers

ExportFormat = Literal["vicidial", "plain"]


@dataclass(frozen=True)
class ExportSummary:
    numbers: int
    area_codes: int
    other_numbers: int


def write_suppression(
    *,
    session: Session,
    folder: Path,
    out: IO[str],
    file_format: ExportFormat,
    seller: str | None,
    at: datetime,
    since: datetime | None = None,
) -> ExportSummary:
    """Writes the seller's own list as in force at `at` (added after `since`) to `out`."""
    found = peers.seller_suppression(
        session=session,
        folder=folder,
        seller=peers.resolve_seller(session=session, ref=seller),
        at=at,
        since=since,
    )
    if file_format == "vicidial":
        out.write("phone_number\n")
    for code in found.area_codes:
        out.write(f"{code}XXXXXXX\n")
    block = 100_000
    for start in range(0, found.numbers.size, block):
        out.write("".join(f"{n}\n" for n in found.numbers[start : start + block].tolist()))
    if file_format == "plain":
        out.write("".join(f"{n}\n" for n in found.other_numbers))
    return ExportSummary(int(found.numbers.size), len(found.area_codes), len(found.other_numbers))
