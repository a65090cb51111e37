"""Reading a dialer's call files, line by line: Asterisk's `Master.csv`, VICIdial's call export,
and any CSV with a column map.

Each line becomes the fields of a call record that the file itself holds (what it lacks comes
from the campaign and the options, in `imports`), or a problem naming the line, or a skip (a
dialer's bookkeeping row that is no call). Times are read in the dialer's zone and leave in UTC
to the second. Nothing is guessed: a field the line does not hold is left out.

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
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from callkeep.errors import InvalidInput

Format = Literal["asterisk-cdr", "vicidial", "csv"]
FORMATS: tuple[Format, ...] = ("asterisk-cdr", "vicidial", "csv")
DISPOSITIONS = frozenset(
    {"answered_person", "answering_machine", "no_answer", "busy", "dropped", "transferred"}
)
_ASTERISK_BASE = 16
_UNIQUEID = re.compile(r"^(?:[\w.-]+-)?\d{9,}\.\d+$")
_DECISION_MARK = re.compile(r"^\s*callkeep:([0-9A-Za-z]{10,40})\b")
_CLID = re.compile(r"^(?P<name>.*?)\s*<(?P<number>[^<>]*)>\s*$")  # the number: the last <…>
# VICIdial's system users: the dialer itself, with no agent on the line.
_VICIDIAL_SYSTEM_USERS = frozenset({"", "VDAD", "VDCL", "VDAC"})


@dataclass(frozen=True, slots=True)
class FileCall:
    """A call as its line holds it: `fields` are CallIn fields, `external_id` identifies the
    line so that importing it again adds nothing."""

    line: int
    external_id: str
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class LineProblem:
    """A line that could not be read as a call, and why."""

    line: int
    message: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A line that is no call (e.g. a lead held back by the dialer's own DNC list)."""

    line: int
    reason: str


Read = FileCall | LineProblem | Skipped


def zone_named(name: str | None, *, required_for: str | None = None) -> tzinfo | None:
    """The IANA zone `name` (``America/New_York``, ``UTC``); None when not given."""
    if name is None or not name.strip():
        if required_for:
            raise InvalidInput.for_field(
                "timezone",
                f"{required_for} files hold the dialer's local time: say which zone with "
                "--timezone (e.g. America/New_York, or UTC if the dialer writes GMT)",
            )
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput.for_field("timezone", f"{name!r} is not an IANA time zone") from None


def local_instant(text: str, zone: tzinfo | None, *, what: str) -> datetime:
    """`text` (``YYYY-MM-DD HH:MM:SS``, or ISO-8601 with an offset) in UTC to the second.

    A time without an offset is read in `zone`; one the clocks skipped (the spring-forward
    hour) cannot have been written by a clock and is refused. In the repeated autumn hour the
    first of the two moments is taken.
    """
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a time (YYYY-MM-DD HH:MM:SS)") from None
    if moment.tzinfo is None:
        if zone is None:
            raise ValueError(f"{what} {text!r} has no zone: give --timezone")
        return _in_zone(moment, zone, text, what)
    return moment.astimezone(UTC).replace(microsecond=0)


def _in_zone(moment: datetime, zone: tzinfo, text: str, what: str) -> datetime:
    instant = moment.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != moment:
        raise ValueError(f"{what} {text!r} does not exist in {zone} (clocks skipped it)")
    return instant.replace(microsecond=0)


class LocalTimes:
    """`local_instant` for the many times of one file: the zone's offset is worked out once per
    hour and reused, except in an hour whose offset changes (then each time is worked out)."""

    def __init__(self, zone: tzinfo | None) -> None:
        self.zone = zone
        self._offsets: dict[str, timedelta | None] = {}

    def instant(self, text: str, *, what: str) -> datetime:
        zone = self.zone
        if zone is None or len(text) != 19 or text[10] != " ":
            return local_instant(text, zone, what=what)
        key = text[:13]
        if key not in self._offsets:
            self._offsets[key] = self._offset_of_hour(key)
        offset = self._offsets[key]
        if offset is None:
            return local_instant(text, zone, what=what)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{what} {text!r} is not a time (YYYY-MM-DD HH:MM:SS)") from None
        return (moment - offset).replace(tzinfo=UTC, microsecond=0)

    def _offset_of_hour(self, key: str) -> timedelta | None:
        assert self.zone is not None
        try:
            first = datetime.fromisoformat(key + ":00:00")
            last = datetime.fromisoformat(key + ":59:59")
            start = _in_zone(first, self.zone, key, "time")
            end = _in_zone(last, self.zone, key, "time")
        except ValueError:
            return None
        before, after = first - start.replace(tzinfo=None), last - end.replace(tzinfo=None)
        return before if before == after else None


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    text = resources.files("callkeep.dialer").joinpath("dispositions.toml").read_text("utf-8")
    return tomllib.loads(text)


def disposition_table(kind: str) -> dict[str, str]:
    """The dialer's outcome → callkeep disposition, from `dispositions.toml`."""
    found: dict[str, str] = _table()[kind]
    return found


def not_calls(kind: str) -> frozenset[str]:
    """Statuses of `kind` that are no call (skipped, counted)."""
    return frozenset(_table()["not_calls"].get(kind, ()))


def _digest(values: Iterable[str]) -> str:
    return hashlib.sha256("\x1f".join(values).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _blank(row: list[str]) -> bool:
    return not row or all(not value.strip() for value in row)


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


def _int(text: str, what: str) -> int:
    value = text.strip()
    if not value.isdigit():
        raise ValueError(f"{what} {text!r} is not a whole number of seconds")
    return int(value)


# -- Asterisk -------------------------------------------------------------------------------


def read_asterisk(stream: Iterable[str], *, zone: tzinfo | None) -> Iterator[Read]:
    """The calls of an Asterisk `Master.csv` (see the module's docstring for its columns)."""
    table = disposition_table("asterisk")
    clock = LocalTimes(zone)
    parse = csv.reader
    # One record a line (Asterisk writes no newline inside a field): each line is parsed on its
    # own, so that a damaged line (an unbalanced quote) cannot swallow the lines after it.
    for line, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        row = next(parse((text,)))
        try:
            yield _asterisk_call(line, row, clock, table, text)
        except ValueError as exc:
            yield LineProblem(line, str(exc))


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
    line: int, row: list[str], clock: LocalTimes, table: dict[str, str], text: str
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
    _int(row[12], "duration")
    billsec = _int(row[13], "billsec")
    uniqueid, userfield, sequence = _asterisk_tail(row[_ASTERISK_BASE:])
    name, number = _clid(clid)
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


# -- VICIdial -------------------------------------------------------------------------------

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
        if _blank(row):
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
        "duration_seconds": _int(length, "length_in_sec") if length else None,
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
    identity = f"vicidial:{lead}:{call_date}:{dialed}" if lead else f"vicidial:{_digest(row)}"
    return FileCall(line, identity[:200], fields)


# -- Any CSV, with a column map ---------------------------------------------------------------

MAPPABLE = frozenset(
    {
        "called_number",
        "calling_number",
        "started_at",
        "duration_seconds",
        "disposition",
        "telemarketer",
        "caller_id_number",
        "caller_id_name",
        "external_call_id",
        "subject",
        "consumer_or_business",
        "outbound",
        "prerecorded",
        "transfer_to",
        "transfer_company",
        "outcome",
        "recording_ref",
        "decision_id",
        "campaign",
    }
)
_TRUE = frozenset({"1", "y", "yes", "true", "t"})
_FALSE = frozenset({"0", "n", "no", "false", "f"})


@dataclass(frozen=True)
class ColumnMap:
    """A `--map` TOML file: column name → callkeep field, plus `[dispositions]` (the file's
    value → callkeep disposition) and `[options]` (`delimiter`, `time_format`)."""

    columns: dict[str, str]
    dispositions: dict[str, str] = field(default_factory=dict)
    delimiter: str | None = None
    time_format: str | None = None


def load_map(path: Path | None, *, text: str | None = None) -> ColumnMap | None:
    """Reads and checks a column map; InvalidInput names what is wrong in it."""
    if path is None and text is None:
        return None
    shown = str(path) if path is not None else "map"
    try:
        data = tomllib.loads(text if text is not None else Path(path or "").read_text("utf-8"))
    except OSError as exc:
        raise InvalidInput.for_field("map", f"{shown}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput.for_field("map", f"{shown}: not a TOML file ({exc})") from None
    columns: dict[str, str] = {}
    raw_columns = data.get("columns", {})
    if not isinstance(raw_columns, dict):
        raise InvalidInput.for_field("map", f"{shown}: [columns] must be a table")
    pairs = {**{k: v for k, v in data.items() if isinstance(v, str)}, **raw_columns}
    for column, target in pairs.items():
        if not isinstance(target, str) or target not in MAPPABLE:
            raise InvalidInput.for_field(
                "map",
                f"{shown}: column {column!r} maps to {target!r}, which is no call field "
                f"(one of {', '.join(sorted(MAPPABLE))})",
            )
        columns[column.strip().lower()] = target
    if not columns:
        raise InvalidInput.for_field("map", f"{shown}: maps no column")
    raw_dispositions = data.get("dispositions", {})
    dispositions: dict[str, str] = {}
    if not isinstance(raw_dispositions, dict):
        raise InvalidInput.for_field("map", f"{shown}: [dispositions] must be a table")
    for value, target in raw_dispositions.items():
        if target not in DISPOSITIONS:
            raise InvalidInput.for_field(
                "map",
                f"{shown}: disposition {value!r} maps to {target!r}, which is none of "
                + ", ".join(sorted(DISPOSITIONS)),
            )
        dispositions[str(value).strip().upper()] = target
    options = data.get("options", {})
    if not isinstance(options, dict):
        raise InvalidInput.for_field("map", f"{shown}: [options] must be a table")
    delimiter = options.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise InvalidInput.for_field("map", f"{shown}: options.delimiter is one character")
    time_format = options.get("time_format")
    if time_format is not None and not isinstance(time_format, str):
        raise InvalidInput.for_field("map", f"{shown}: options.time_format is a text")
    return ColumnMap(columns, dispositions, delimiter, time_format)


def read_mapped(
    stream: Iterable[str], *, zone: tzinfo | None, column_map: ColumnMap
) -> Iterator[Read]:
    """The calls of a CSV with a header row, its columns named by `column_map`."""
    iterator = iter(stream)
    first_text = next(iterator, None)
    if first_text is None:
        return
    delimiter = column_map.delimiter or _sniff(first_text)
    header = [h.strip().lower() for h in next(csv.reader([first_text], delimiter=delimiter))]
    absent = [c for c in column_map.columns if c not in header]
    if absent:
        raise InvalidInput.for_field(
            "map", "line 1: the file has no column " + ", ".join(repr(c) for c in absent)
        )
    wanted = [(header.index(c), target) for c, target in column_map.columns.items()]
    table = {**disposition_table("asterisk"), **column_map.dispositions}
    number = 2

    def lines() -> Iterator[str]:
        yield from iterator

    reader = csv.reader(lines(), delimiter=delimiter)
    for row in reader:
        line, number = number, reader.line_num + 2
        if _blank(row):
            continue
        try:
            yield _mapped_call(line, row, wanted, zone, table, column_map.time_format)
        except ValueError as exc:
            yield LineProblem(line, str(exc))


def _sniff(first: str) -> str:
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _mapped_call(
    line: int,
    row: list[str],
    wanted: list[tuple[int, str]],
    zone: tzinfo | None,
    table: dict[str, str],
    time_format: str | None,
) -> Read:
    fields: dict[str, Any] = {}
    for index, target in wanted:
        value = row[index].strip() if index < len(row) else ""
        if not value:
            continue
        if target == "started_at":
            if time_format:
                try:
                    parsed = datetime.strptime(value, time_format)
                except ValueError:
                    raise ValueError(
                        f"started_at {value!r} does not match {time_format!r}"
                    ) from None
                value = parsed.isoformat()
            fields[target] = local_instant(value, zone, what="started_at")
        elif target == "duration_seconds":
            fields[target] = _int(value, "duration_seconds")
        elif target in ("outbound", "prerecorded"):
            if value.lower() not in _TRUE | _FALSE:
                raise ValueError(f"{target} {value!r} is neither yes nor no")
            fields[target] = value.lower() in _TRUE
        elif target == "disposition":
            mapped = value.lower() if value.lower() in DISPOSITIONS else table.get(value.upper())
            if mapped is None:
                raise ValueError(
                    f"disposition {value!r} is not known; map it in the [dispositions] table"
                )
            fields[target] = mapped
            fields.setdefault("outcome", value[:200])
        elif target == "consumer_or_business":
            if value.lower() not in ("consumer", "business"):
                raise ValueError(f"consumer_or_business {value!r} is neither consumer nor business")
            fields[target] = value.lower()
        else:
            fields[target] = value
    own = fields.pop("external_call_id", None)
    identity = f"csv:{own}" if own else f"csv:{_digest(row)}"
    return FileCall(line, identity[:200], fields)


def read_calls(
    stream: Iterable[str],
    *,
    file_format: Format,
    zone: tzinfo | None,
    column_map: ColumnMap | None = None,
) -> Iterator[Read]:
    """Every line of a dialer file as a call, a problem or a skip, in order."""
    if file_format == "asterisk-cdr":
        return read_asterisk(stream, zone=zone)
    if file_format == "vicidial":
        return read_vicidial(
            stream, zone=zone, dispositions=column_map.dispositions if column_map else None
        )
    if column_map is None:
        raise InvalidInput.for_field("map", "a csv file needs --map FILE naming its columns")
    return read_mapped(stream, zone=zone, column_map=column_map)
