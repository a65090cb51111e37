"""Asterisk's `Master.csv` (`cdr/cdr_csv.c`, `build_csv_record`), a line at a time.

Asterisk (`cdr/cdr_csv.c`): no header; `accountcode, src, dst, dcontext, clid, channel,
dstchannel, lastapp, lastdata, start, answer, end, duration, billsec, disposition, amaflags`,
then `uniqueid` and/or `userfield` when configured, then `peeraccount, linkedid, sequence` when
`newcdrcolumns` is on. Strings are double-quoted with inner quotes doubled, integers bare, an
unset time (the `answer` of an unanswered call) empty.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Iterator
from datetime import tzinfo
from typing import Any

from callkeep.dialer.lines import FileCall, LineProblem, Read, disposition_table, whole_seconds
from callkeep.dialer.times import LocalTimes

_ASTERISK_BASE = 16
_CLIDS_KEPT = 10_000
_UNIQUEID = re.compile(r"^(?:[\w.-]+-)?\d{9,}\.\d+$")
_DECISION_MARK = re.compile(r"^\s*callkeep:([0-9A-Za-z]{10,40})\b")
_CLID = re.compile(r"^(?P<name>.*?)\s*<(?P<number>[^<>]*)>\s*$")  # the number: the last <…>


def _clid(text: str) -> tuple[str | None, str | None]:
    """`"Name" <number>` as (name, number); a bare number as (None, number)."""
    found = _CLID.match(text)
    if found is None:
        bare = text.strip().strip('"').strip()
        return None, bare or None
    name = found["name"].strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1]
    return name.strip() or None, found["number"].strip() or None


def read_asterisk(stream: Iterable[str], *, zone: tzinfo | None) -> Iterator[Read]:
    """The calls of an Asterisk `Master.csv` (see the module's docstring for its columns)."""
    table = disposition_table("asterisk")
    clock = LocalTimes(zone)
    clids: dict[str, tuple[str | None, str | None]] = {}  # a campaign's caller ID, line after line
    for line, text, row in _lines(stream):
        try:
            yield _asterisk_call(line, row, clock, table, text, clids)
        except ValueError as exc:
            yield LineProblem(line, str(exc))


def _lines(stream: Iterable[str]) -> Iterator[tuple[int, str, list[str]]]:
    """(number, text, fields) of each line that is not blank, each line parsed on its own.

    One record a line (Asterisk writes no newline inside a field), so that a damaged line (an
    unbalanced quote) cannot swallow the lines after it. One C reader reads the whole file; a
    record it reads from more than one line (a quote left open) is read again line by line,
    as each of those lines alone reads. Where a record ends on its own line the reader is back
    at a record's start, as a reader of the next line alone would be."""
    fed: list[str] = []

    def feed() -> Iterator[str]:
        for text in stream:
            fed.append(text)
            yield text

    line = 0
    for row in csv.reader(feed()):
        if len(fed) == 1:
            line += 1
            text = fed.pop()
            if text.strip():
                yield line, text, row
            continue
        swallowed = fed.copy()
        fed.clear()
        for text in swallowed:
            line += 1
            if text.strip():
                yield line, text, next(csv.reader((text,)))


def _asterisk_tail(rest: list[str]) -> tuple[str | None, str | None, str | None]:
    """(uniqueid, userfield, sequence) from the columns after `amaflags`."""
    sequence = None
    if len(rest) >= 3 and rest[-1].strip().isdigit():  # newcdrcolumns: …, linkedid, sequence
        sequence = rest[-1].strip()
        rest = rest[:-3]
    if len(rest) == 2:
        return rest[0].strip() or None, rest[1], sequence
    if len(rest) == 1:
        if _UNIQUEID.match(rest[0].strip()):
            return rest[0].strip(), None, sequence
        return None, rest[0], sequence
    return None, None, sequence


def _asterisk_call(
    line: int,
    row: list[str],
    clock: LocalTimes,
    table: dict[str, str],
    text: str,
    clids: dict[str, tuple[str | None, str | None]],
) -> Read:
    if not _ASTERISK_BASE <= len(row) <= _ASTERISK_BASE + 5:
        raise ValueError(
            f"{len(row)} columns; an Asterisk Master.csv line has 16 to 21 "
            "(accountcode … amaflags, then uniqueid, userfield, peeraccount, linkedid, sequence)"
        )
    src, dst, clid, start = row[1], row[2], row[4], row[9]
    raw_disposition = row[14].strip().upper()
    disposition = table.get(raw_disposition)
    if disposition is None:
        raise ValueError(f"disposition {row[14]!r} is not one Asterisk writes")
    if not start.strip():
        raise ValueError("no start time")
    whole_seconds(row[12], "duration")
    billsec = whole_seconds(row[13], "billsec")
    uniqueid, userfield, sequence = _asterisk_tail(row[_ASTERISK_BASE:])
    known = clids.get(clid)
    if known is None:
        if len(clids) >= _CLIDS_KEPT:
            clids.clear()
        known = clids[clid] = _clid(clid)
    name, number = known
    fields: dict[str, Any] = {
        "called_number": dst.strip() or None,
        "started_at": clock.instant(start, what="start"),
        "duration_seconds": billsec,
        "disposition": disposition,
        "outcome": f"asterisk {raw_disposition}",
    }
    if number:
        fields["caller_id_number"] = number
    if name:
        fields["caller_id_name"] = name[:40]
    if src.strip():
        fields["calling_number"] = src.strip()
    decision = _DECISION_MARK.match(userfield or "")
    if decision is not None:  # the dialplan kept the pre-dial decision: Set(CDR(userfield)=…)
        fields["decision_id"] = decision[1]
    # the line as Asterisk wrote it, whatever its line ending, identifies it
    content = hashlib.sha256(text.rstrip("\r\n").encode("utf-8", "replace")).hexdigest()[:32]
    key = f"asterisk:{uniqueid}" + (f".{sequence}" if sequence else "") if uniqueid else "asterisk"
    return FileCall(line, f"{key[:160]}:{content}", fields)
