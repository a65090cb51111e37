"""A chunk of records as CSV cells and canonical content, a column at a time.

Per record and per cell work in Python is what a package of millions of records costs, so a
chunk is turned around into columns (`zip(*rows)`) and each column is looked at once:

* a column of text, integers and nulls that holds no value starting with a formula character
  (found by one search over the joined column) is handed to `csv.writer` as it is, for it writes
  ``None`` as an empty cell and text and integers as `str` does, which is `csvsafe.cell`'s rule
  for them; any other column gets `cell_text` value by value;
* a column of instants in UTC is written by orjson in one call (``YYYY-MM-DDTHH:MM:SSZ``, which
  is `kit.clock.iso`), checked to be nothing else by its length, or else value by value;
* a column of instants as the driver read them (`stored_instants`: SQLite's stored text, or
  PostgreSQL's naive UTC datetimes) becomes the same ISO text at once, so the rows need not be
  typed value by value by `kit.db.UTCDateTime` first;
* a record's content is orjson's sorted compact JSON, which is `kit.canonical.canonical_bytes`'s
  own fast road for such values, taken only when every column holds text, integers, booleans,
  nulls or instants in UTC, and `canonical_bytes` itself otherwise.

`tests/reports/test_package_cells.py` holds both to the value-by-value rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import orjson

from callkeep.kit.canonical import canonical_bytes
from callkeep.kit.clock import iso
from callkeep.reports.csvsafe import TRIGGERS, cell

_NONE = type(None)
_PROBES = tuple("\x00" + trigger for trigger in TRIGGERS)
_BOOLS = {True: "true", False: "false", None: ""}
INSTANTS = orjson.OPT_UTC_Z | orjson.OPT_OMIT_MICROSECONDS
_CANONICAL = orjson.OPT_SORT_KEYS | INSTANTS  # kit.canonical's options for the fast road
_PLAIN = frozenset({str, int, bool})
# SQLAlchemy's SQLite text of an instant, as `UTCDateTime` stores one (to the second), from the
# year 1000 on; the date is checked apart (`date.fromisoformat`), the time by its ranges here
_STORED = "[1-9][0-9]{3}-[0-9]{2}-[0-9]{2} (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\\.000000"
_STORED_COLUMN = re.compile(f"{_STORED}(?:\x00{_STORED})*")


def cell_text(value: Any) -> str:
    """One CSV cell: instants as ISO text, dates as ISO dates, anything else `csvsafe.cell`."""
    if type(value) is datetime:
        return iso(value)
    if type(value) is date:
        return value.isoformat()
    return cell(value)


def _instants(values: Sequence[Any], naive_utc: bool = False) -> list[str | None] | None:
    """The ISO text of a column of instants (None kept), if every one is in UTC (or naive,
    read as UTC, if `naive_utc`) from the year 1000 on (then orjson writes what `iso` does);
    None otherwise."""
    option = INSTANTS | orjson.OPT_NAIVE_UTC if naive_utc else INSTANTS
    try:
        texts: list[str | None] = orjson.loads(orjson.dumps(values, option=option))
    except orjson.JSONEncodeError:
        return None
    count = len(values) - values.count(None)
    joined = "\x00" + "\x00".join(filter(None, texts)) + "\x00"
    # each one 20 characters ending in Z; orjson pads years before 1000, iso does not
    if len(joined) == 21 * count + 1 and joined.count("Z") == count and "\x000" not in joined:
        return texts
    return None


def _sqlite_instants(values: Sequence[Any]) -> list[str | None] | None:
    """SQLite's stored texts as ISO text, if every one has the shape `UTCDateTime` writes."""
    stored = [value for value in values if value is not None]
    if not all(type(value) is str for value in stored):
        return None
    joined = "\x00".join(stored)
    if stored and _STORED_COLUMN.fullmatch(joined) is None:
        return None
    try:
        for day in {value[:10] for value in stored}:
            date.fromisoformat(day)  # a real day, as reading it as a datetime would need
    except ValueError:
        return None
    texts = joined.replace(" ", "T").replace(".000000", "Z").split("\x00") if stored else []
    if len(stored) == len(values):
        return list(texts)
    found = iter(texts)
    return [None if value is None else next(found) for value in values]


def stored_instants(
    values: Sequence[Any], sqlite: bool, typed: Callable[[Any], Any]
) -> Sequence[Any]:
    """A column of `UTCDateTime` instants as the driver read them, as their ISO text (None
    kept), which is `iso` of what `typed` (the column type's own reading) gives for each; the
    column read by `typed` value by value if any value is not of the usual shape."""
    texts = _sqlite_instants(values) if sqlite else _instants(values, naive_utc=True)
    if texts is not None:
        return texts
    return [typed(value) for value in values]


def csv_column(values: Sequence[Any]) -> tuple[Sequence[Any], bool]:
    """The cells of one column for `csv.writer`, and whether the column's values are all ones
    the canonical fast road writes as `canonical_bytes` does."""
    kinds = set(map(type, values))
    kinds.discard(_NONE)
    if kinds <= {str, int}:
        probe = "\x00" + "\x00".join(map(str, values))
        if not any(p in probe for p in _PROBES):
            return values, True
    elif kinds == {bool}:
        return list(map(_BOOLS.__getitem__, values)), True
    elif kinds == {datetime}:
        texts = _instants(values)
        if texts is not None:
            return texts, True
    return [cell_text(v) for v in values], kinds <= _PLAIN


def cells_and_contents(
    names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> tuple[list[tuple[Any, ...]], list[bytes]]:
    """The CSV rows and the canonical content of each record of a chunk (`rows` in `names`'
    order)."""
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True)) if rows else []
    return column_cells_and_contents(names, columns)


def column_cells_and_contents(
    names: Sequence[str], columns: Sequence[Sequence[Any]]
) -> tuple[list[tuple[Any, ...]], list[bytes]]:
    """`cells_and_contents` of a chunk given as its columns (in `names`' order)."""
    cells, fast = [], True
    for values in columns:
        written, plain = csv_column(values)
        cells.append(written)
        fast = fast and plain
    contents: list[bytes] = []
    for row in zip(*columns, strict=True):
        content = dict(zip(names, row, strict=True))
        if fast:
            try:
                contents.append(orjson.dumps(content, option=_CANONICAL))
                continue
            except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits
                pass
        contents.append(canonical_bytes(content))
    return list(zip(*cells, strict=True)), contents
