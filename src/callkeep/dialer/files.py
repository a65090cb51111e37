"""Reading a dialer's call files, line by line: Asterisk's `Master.csv`, VICIdial's call export,
and any CSV with a column map.

Each line becomes the fields of a call record that the file itself holds (what it lacks comes
from the campaign and the options, in `imports`), or a problem naming the line, or a skip (a
dialer's bookkeeping row that is no call). Times are read in the dialer's zone and leave in UTC
to the second. Nothing is guessed: a field the line does not hold is left out.

One module per format: `asterisk` (`Master.csv`), `vicidial` (its call export), `mapped` (any
CSV and its TOML column map); `lines` says what a line becomes, `times` how local times are read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import tzinfo
from typing import Literal

from callkeep.dialer.asterisk import read_asterisk
from callkeep.dialer.lines import (
    DISPOSITIONS,
    FileCall,
    LineProblem,
    Read,
    Skipped,
    disposition_table,
    not_calls,
)
from callkeep.dialer.mapped import MAPPABLE, ColumnMap, load_map, read_mapped
from callkeep.dialer.times import SYSTEM_LOCAL, LocalTimes, local_instant, zone_named
from callkeep.dialer.vicidial import read_vicidial
from callkeep.errors import InvalidInput

__all__ = [
    "DISPOSITIONS",
    "FORMATS",
    "MAPPABLE",
    "SYSTEM_LOCAL",
    "ColumnMap",
    "FileCall",
    "Format",
    "LineProblem",
    "LocalTimes",
    "Read",
    "Skipped",
    "disposition_table",
    "load_map",
    "local_instant",
    "not_calls",
    "read_asterisk",
    "read_calls",
    "read_mapped",
    "read_vicidial",
    "zone_named",
]

Format = Literal["asterisk-cdr", "vicidial", "csv"]
FORMATS: tuple[Format, ...] = ("asterisk-cdr", "vicidial", "csv")


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
