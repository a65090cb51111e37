"""VICIdial's call export (`call_report_export.php`): a header row, then a tab-separated line
per call; statuses as `docs/VICIDIAL_statuses.txt` defines them."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import tzinfo
from typing import Any

from callkeep.dialer.lines import (
    FileCall,
    LineProblem,
    Read,
    Skipped,
    digest_of,
    disposition_table,
    is_blank,
    not_calls,
    whole_seconds,
)
from callkeep.dialer.times import local_instant
from callkeep.errors import InvalidInput

# VICIdial's system users: the dialer itself, with no agent on the line.
_VICIDIAL_SYSTEM_USERS = frozenset({"", "VDAD", "VDCL", "VDAC"})

_VICIDIAL_NEEDS = ("call_date", "status")


def read_vicidial(
    stream: Iterable[str], *, zone: tzinfo | None, dispositions: dict[str, str] | None = None
) -> Iterator[Read]:
    """The calls of VICIdial's call export (`call_report_export.php`): a header row, then one
    tab-separated line per call. `dispositions` adds or overrides statuses (custom ones)."""
    table = {**disposition_table("vicidial"), **(dispositions or {})}
    skip = not_calls("vicidial") - set(dispositions or {})
    iterator = iter(stream)
    first_text = next(iterator, None)
    if first_text is None:
        return
    delimiter = "\t" if "\t" in first_text else ("|" if "|" in first_text else ",")
    header = [h.strip().lower() for h in next(csv.reader([first_text], delimiter=delimiter))]
    missing = [h for h in _VICIDIAL_NEEDS if h not in header]
    if "phone_number_dialed" not in header and "phone_number" not in header:
        missing.append("phone_number_dialed")
    if missing:
        raise InvalidInput.for_field(
            "file",
            "line 1: not a VICIdial call export header (missing "
            + ", ".join(missing)
            + "); export with call_report_export.php, header row on",
        )
    at = {name: i for i, name in reversed(list(enumerate(header)))}

    def lines() -> Iterator[str]:
        yield from iterator

    reader = csv.reader(lines(), delimiter=delimiter, quoting=csv.QUOTE_NONE)
    number = 2
    for row in reader:
        line, number = number, reader.line_num + 2
        if is_blank(row):
            continue
        try:
            yield _vicidial_call(line, row, header, at, zone, table, skip)
        except ValueError as exc:
            yield LineProblem(line, str(exc))


def _vicidial_call(
    line: int,
    row: list[str],
    header: list[str],
    at: dict[str, int],
    zone: tzinfo | None,
    table: dict[str, str],
    skip: frozenset[str],
) -> Read:
    if len(row) < len(header):
        row = row + [""] * (len(header) - len(row))

    def get(name: str) -> str:
        index = at.get(name)
        return row[index].strip() if index is not None else ""

    status = get("status").upper()
    if status in skip:
        return Skipped(line, f"status {status}: not a call")
    disposition = table.get(status)
    if disposition is None:
        raise ValueError(
            f"status {status!r} is not a known VICIdial status; map it in the --map file's "
            "[dispositions] table"
        )
    dialed = get("phone_number_dialed") or get("phone_number")
    code = get("phone_code")
    if dialed and code and code != "1" and not dialed.startswith("+"):
        dialed = f"+{code}{dialed}"
    call_date = get("call_date")
    if not call_date:
        raise ValueError("no call_date")
    length = get("length_in_sec")
    fields: dict[str, Any] = {
        "called_number": dialed or None,
        "started_at": local_instant(call_date, zone, what="call_date"),
        "duration_seconds": whole_seconds(length, "length_in_sec") if length else None,
        "disposition": disposition,
        "outcome": f"vicidial {status}"[:200],
    }
    user = get("user")
    agent = get("full_name") or user
    if user.upper() not in _VICIDIAL_SYSTEM_USERS and agent:
        fields["telemarketer_name"] = agent[:200]
    campaign = get("campaign_id")
    if campaign:
        fields["dialer_campaign"] = campaign
    lead = get("lead_id")
    identity = f"vicidial:{lead}:{call_date}:{dialed}" if lead else f"vicidial:{digest_of(row)}"
    return FileCall(line, identity[:200], fields)
