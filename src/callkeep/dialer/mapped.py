"""Any CSV with a header row, its columns named by a TOML column map (`--map FILE`)."""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from callkeep.dialer.lines import (
    DISPOSITIONS,
    FileCall,
    LineProblem,
    Read,
    digest_of,
    disposition_table,
    is_blank,
    whole_seconds,
)
from callkeep.dialer.times import local_instant
from callkeep.errors import InvalidInput

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
        if is_blank(row):
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
            fields[target] = whole_seconds(value, "duration_seconds")
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
    identity = f"csv:{own}" if own else f"csv:{digest_of(row)}"
    return FileCall(line, identity[:200], fields)
