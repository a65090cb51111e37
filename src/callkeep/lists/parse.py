"""Reading list files: FTC full lists, change lists, plain files and zip archives of them.

Lines are parsed a block at a time with numpy (a 3 GB file never sits in memory as text). A
line made only of digits and separators (`` -.()+,"``, tab, CR) takes the vectorised path; any
other line (a header, a change flag, garbage) is read one at a time. Every line that cannot be
read is counted with its line number, never silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

import numpy as np
import numpy.typing as npt

from callkeep.phone import validity

SHOWN_UNREADABLE = 20
CHUNK_BYTES = 32 * 1024 * 1024
_SUBSCRIBERS = 10_000_000
_BOM = b"\xef\xbb\xbf"
_SEPARATORS = b' \t\r-.()+,"'
_ALLOWED = np.zeros(256, dtype=bool)
_ALLOWED[np.frombuffer(b"0123456789" + _SEPARATORS, dtype=np.uint8)] = True
_WHITESPACE = np.zeros(256, dtype=bool)
_WHITESPACE[np.frombuffer(b" \t\r", dtype=np.uint8)] = True
_FLAGS = {"A": False, "ADD": False, "D": True, "DEL": True, "DELETE": True}
_NON_SEPARATOR = re.compile(r'[^0-9 \t\r\-.()+,"]')
_POWERS = 10 ** np.arange(9, -1, -1, dtype=np.int64)
Numbers = npt.NDArray[np.int64]


@dataclass(frozen=True)
class UnreadableLine:
    """A line that could not be read: where it is, what it said, and why."""

    source: str
    line: int
    text: str
    reason: str


@dataclass
class ParseTally:
    """What the reader saw: readable numbers, unreadable lines (first few kept), headers."""

    numbers: int = 0
    unreadable: int = 0
    headers: int = 0
    first_unreadable: list[UnreadableLine] = field(default_factory=list)

    def refuse(self, source: str, line: int, text: str, reason: str) -> None:
        self.unreadable += 1
        if len(self.first_unreadable) < SHOWN_UNREADABLE:
            self.first_unreadable.append(UnreadableLine(source, line, text[:80], reason))


@dataclass(frozen=True)
class Batch:
    """Numbers read from one block, in file order; `deletes` marks change-list deletions."""

    numbers: npt.NDArray[np.int64]
    deletes: npt.NDArray[np.bool_]


def area_code_table() -> npt.NDArray[np.bool_]:
    """Which NANP area codes (index 0-999) are in service, by the one validity rule."""
    return validity.area_codes_in_service()


def number_problems(numbers: npt.NDArray[np.int64]) -> npt.NDArray[np.int8]:
    """Per 10-digit number: 0 dialable, else why the one validity rule refuses it (see
    `callkeep.phone.validity`): 1 area code not in service, 2 exchange cannot exist."""
    return validity.refusals(numbers)


_REASONS = validity.REFUSALS


def parse_line(text: str, *, change: bool, first: bool) -> tuple[int | None, bool, str]:
    """One line read slowly: (number or None, is deletion, reason or "header" or "blank")."""
    line = text.strip().strip("\ufeff").strip()
    if not line.strip(' \t\r-.()+,"'):
        return None, False, "blank" if not line else "no digits"
    if first and not any(c.isdigit() for c in line) and any(c.isalpha() for c in line):
        return None, False, "header"
    delete = False
    fields = [f.strip().strip('"').strip() for f in line.split(",")]
    if len(fields) > 1 and fields[-1].isalpha():
        flag = fields[-1].upper()
        if flag not in _FLAGS:
            return None, False, f"unknown change flag {fields[-1]!r} (use A/add or D/delete)"
        delete = _FLAGS[flag]
        if delete and not change:
            return None, False, "a deletion in a full list (import change lists with --change)"
        line = ",".join(fields[:-1])
    if _NON_SEPARATOR.search(line):
        return None, False, "not a phone number"
    digits = "".join(c for c in line if c.isdigit())
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    if len(digits) != 10:
        return None, False, f"{len(digits)} digits (a number has 10, area code first)"
    value = int(digits)
    problem = int(validity.refusals(np.array([value], dtype=np.int64))[0])
    if problem:
        return None, False, _REASONS[problem]
    return value, delete, ""


def _uniform_values(raw: npt.NDArray[np.uint8], width: int, *, change: bool) -> Batch | None:
    """Numbers of a block whose lines all share one layout (the usual FTC file), else None.

    The layout may end in a one-letter change flag (``207,5550134,A`` / ``…,D``).
    """
    if raw.size % width or width < 11 or width > 40:
        return None
    table = raw.reshape(-1, width)
    if not (table[:, -1] == 10).all():
        return None
    first = table[0]
    digit_columns = np.flatnonzero((first >= 48) & (first <= 57))
    if digit_columns.size == 11 and first[digit_columns[0]] == 49:
        digit_columns = digit_columns[1:]
    if digit_columns.size != 10:
        return None
    other = np.setdiff1d(np.arange(width - 1), digit_columns)
    flag_column = None
    letters = np.flatnonzero(~_ALLOWED[first[other]])
    if letters.size == 1 and other[letters[0]] > digit_columns[-1]:
        flag_column = int(other[letters[0]])
        other = np.delete(other, letters[0])
        if first[flag_column] | 0x20 not in (ord("a"), ord("d")):
            return None
    elif letters.size:
        return None
    if not (table[:, other] == first[other]).all():
        return None
    deletes = np.zeros(table.shape[0], dtype=bool)
    if flag_column is not None:
        flags = table[:, flag_column] | np.uint8(0x20)
        deletes = flags == ord("d")
        if not (deletes | (flags == ord("a"))).all() or (deletes.any() and not change):
            return None
    area = np.zeros(table.shape[0], dtype=np.int32)
    subscriber = np.zeros(table.shape[0], dtype=np.int32)
    for position, column in enumerate(digit_columns.tolist()):
        digit = table[:, column] - np.uint8(48)
        if (digit > 9).any():
            return None
        if position < 3:
            area *= 10
            area += digit
        else:
            subscriber *= 10
            subscriber += digit
    values: Numbers = area.astype(np.int64) * 10_000_000 + subscriber
    return Batch(values, deletes)


def parse_block(
    data: bytes, *, change: bool, source: str, first_line: int, tally: ParseTally
) -> Batch:
    """Parses whole lines in `data` (line `first_line` is the first); counts what it refuses."""
    raw = np.frombuffer(data, dtype=np.uint8)
    if raw.size == 0:
        return Batch(np.zeros(0, np.int64), np.zeros(0, bool))
    width = int(np.argmax(raw == 10)) + 1 if raw[-1] == 10 else 0
    uniform = _uniform_values(raw, width, change=change) if width else None
    if uniform is not None:
        problems = number_problems(uniform.numbers)
        for row in np.flatnonzero(problems).tolist():
            text = data[row * width : (row + 1) * width].decode("utf-8", "replace").strip()
            tally.refuse(source, first_line + row, text, _REASONS[int(problems[row])])
        keep = problems == 0
        tally.numbers += int(keep.sum())
        return Batch(uniform.numbers[keep], uniform.deletes[keep])
    ends = np.flatnonzero(raw == 10)
    if ends.size == 0 or ends[-1] != raw.size - 1:
        ends = np.append(ends, raw.size)
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    ends_c = np.minimum(ends, raw.size)
    is_digit = (raw >= 48) & (raw <= 57)
    digits_in_line = np.add.reduceat(is_digit, starts, dtype=np.int64)
    odd = ~_ALLOWED[raw]
    odd[raw == 10] = False
    odd_in_line = np.add.reduceat(odd, starts, dtype=np.int64)
    content = ~_WHITESPACE[raw]
    content[raw == 10] = False
    content_in_line = np.add.reduceat(content, starts, dtype=np.int64)
    digits = raw[is_digit].astype(np.int64) - 48
    digits_before = np.zeros(starts.size + 1, dtype=np.int64)
    np.cumsum(digits_in_line, out=digits_before[1:])

    simple = odd_in_line == 0
    first_digit = digits_before[:-1]
    lead = digits[np.minimum(first_digit, max(digits.size - 1, 0))] if digits.size else 0
    ten = simple & ((digits_in_line == 10) | ((digits_in_line == 11) & (lead == 1)))
    rows = np.flatnonzero(ten)
    last = digits_before[1:][rows] - 10
    values = np.zeros(rows.size, dtype=np.int64)
    for offset in range(10):
        values += digits[last + offset] * _POWERS[offset]
    problems = number_problems(values)

    good_rows = rows[problems == 0]
    numbers = [values[problems == 0]]
    deletes = [np.zeros(good_rows.size, dtype=bool)]
    order = [good_rows]

    refused: list[tuple[int, str]] = []

    def refuse(row: int, reason: str) -> None:
        refused.append((row, reason))

    for row, problem in zip(
        rows[problems != 0].tolist(), problems[problems != 0].tolist(), strict=True
    ):
        refuse(row, _REASONS[problem])
    blank_or_short = simple & ~ten
    for row in np.flatnonzero(blank_or_short & (content_in_line > 0)).tolist():
        count = int(digits_in_line[row])
        reason = f"{count} digits (a number has 10, area code first)" if count else "no digits"
        refuse(row, reason)

    slow_rows = np.flatnonzero(~simple).tolist()
    slow_numbers: list[int] = []
    slow_deletes: list[bool] = []
    slow_order: list[int] = []
    for row in slow_rows:
        chunk = data[int(starts[row]) : int(ends_c[row])]
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError:
            refuse(row, "not text (UTF-8)")
            continue
        value, delete, reason = parse_line(text, change=change, first=first_line + row == 1)
        if value is not None:
            slow_numbers.append(value)
            slow_deletes.append(delete)
            slow_order.append(row)
        elif reason == "header":
            tally.headers += 1
        elif reason != "blank":
            refuse(row, reason)
    for row, reason in sorted(refused):
        text = data[int(starts[row]) : int(ends_c[row])].decode("utf-8", "replace").strip()
        tally.refuse(source, first_line + row, text, reason)
    if slow_order:
        numbers.append(np.array(slow_numbers, dtype=np.int64))
        deletes.append(np.array(slow_deletes, dtype=bool))
        order.append(np.array(slow_order, dtype=np.int64))
        # keep file order so that a later line about the same number wins
        sort = np.argsort(np.concatenate(order), kind="stable")
        merged = Batch(np.concatenate(numbers)[sort], np.concatenate(deletes)[sort])
    else:
        merged = Batch(numbers[0], deletes[0])
    tally.numbers += merged.numbers.size
    return merged


def read_numbers(
    stream: IO[bytes],
    *,
    source: str,
    change: bool,
    tally: ParseTally,
    chunk_bytes: int = CHUNK_BYTES,
) -> Iterator[Batch]:
    """Streams `stream` block by block, yielding the numbers of whole lines."""
    carry = b""
    line = 1
    started = False
    while True:
        block = stream.read(chunk_bytes)
        if not started and block:
            started = True
            if block.startswith(_BOM):
                block = block[len(_BOM) :]
            if b"\x00" in block[:65536]:
                raise BinaryContent(source)
        if not block:
            if carry:
                yield parse_block(carry, change=change, source=source, first_line=line, tally=tally)
            return
        data = carry + block
        cut = data.rfind(b"\n")
        if cut < 0:
            carry = data
            continue
        carry = data[cut + 1 :]
        whole = data[: cut + 1]
        yield parse_block(whole, change=change, source=source, first_line=line, tally=tally)
        line += whole.count(b"\n")


class BinaryContent(Exception):
    """A source that is not a text list (it holds NUL bytes)."""

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self.source = source


_VICIDIAL_AREA_CODE = re.compile(rb"^\s*(\d{3})[Xx]{7}\s*$")


def split_vicidial_dnc(source: IO[bytes], out: IO[bytes]) -> tuple[list[tuple[int, int]], int]:
    """VICIdial's DNC download (`list_download.php`: a `phone_number` header, one number a
    line; in AREACODE mode an entry ``NPAXXXXXXX`` blocks a whole area code).

    Copies `source` to `out` with each area-code line left blank, so the numbers are read as
    any list file is and every line keeps its number. Returns each (line, area code), and how
    many other lines hold anything but the header.
    """
    found: list[tuple[int, int]] = []
    others = 0
    for number, line in enumerate(source, start=1):
        match = _VICIDIAL_AREA_CODE.match(line)
        if match is not None:
            found.append((number, int(match[1])))
            out.write(b"\n")
            continue
        out.write(line)
        if line.strip() and not (number == 1 and line.strip().lower() == b"phone_number"):
            others += 1
    return found, others
