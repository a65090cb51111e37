"""Where the records of a lead file's chunk lie, found for the whole chunk at once: their ends,
their line terminators and the phone field's span in each.

Quoted fields (RFC 4180, as CRMs and Excel write them) are found as vectorised CSV parsers do: a
byte is inside quotes when an odd number of quote characters precede it in the chunk (a doubled
quote toggles twice), so delimiters and newlines at even parity are the structural ones. That is
exact only while every quote opens a field or closes one (or is doubled inside one); `plan`
checks that for the whole chunk and otherwise leaves the chunk to the csv module.

The chunk's bytes are passed over once to find every byte that can matter (quotes, delimiters,
CRs and LFs: a few in a line); the parity, the checks and the field spans are then worked out on
those positions alone, a tenth or less of the bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

QUOTE, LF, CR = ord('"'), ord("\n"), ord("\r")


@dataclass(frozen=True)
class Layout:
    """How a lead file's records are written."""

    delimiter: bytes  # one byte: b",", b"\t" or b"|"
    quoting: bool  # RFC 4180 quoted fields (CSV); VICIdial's files have none
    column: int  # the phone field's index
    width: int  # fields in every record

    def phone_text(self, raw: bytes, quoted: bool) -> str:
        """The phone field's text from its bytes (inside its quotes when `quoted`), as the csv
        module reads it; VICIdial's loader drops every quote (' and ") from its lines."""
        if quoted:
            raw = raw.replace(b'""', b'"')
        elif not self.quoting:
            raw = raw.replace(b'"', b"").replace(b"'", b"")
        return raw.decode("utf-8")


@dataclass
class Plan:
    """Where the whole records at the start of a chunk lie."""

    cut: int  # the bytes these records span
    newlines: int  # the newlines in those bytes, quoted ones included
    arr: np.ndarray  # those bytes
    ends: np.ndarray  # each non-blank record's end, before its line terminator
    f_start: np.ndarray  # the phone field of each non-blank record (inside its quotes)
    f_end: np.ndarray
    quoted: np.ndarray  # whether that field was quoted


def plan(
    block: bytes, layout: Layout, eof: bool, limit: int, scratch: Scratch | None = None
) -> Plan | None:
    """The whole records at the start of `block` (which starts where a record does), found for
    the whole chunk at once; None when the csv module must read this stretch instead.

    That is when a quote neither opens a field nor closes one (nor is doubled inside one), a
    carriage return stands alone outside quotes, no record ends in the block (before the end of
    the file), a quote is left open at the end of the file, a record holds another number of
    fields than `layout.width`, or one is longer than `limit` (the csv module's field limit):
    the csv module then reads the same bytes and says what is wrong, so both paths agree.
    """
    arr = np.frombuffer(block, dtype=np.uint8)
    d = layout.delimiter[0]
    quoting = layout.quoting and b'"' in block
    scratch = scratch or Scratch()
    if quoting:
        found = _quoted(arr, d, b"\r" in block, eof, scratch)
    else:
        found = _unquoted(arr, d, eof, scratch)
    if found is None:
        return None
    cut, newlines, delimiters, bare_crs, line_feeds = found
    arr = arr[:cut]
    starts = np.concatenate((np.zeros(1, dtype=np.int64), newlines + 1))
    ends = np.concatenate((newlines, np.array([cut], dtype=np.int64)))
    if starts[-1] == cut:  # the block ends with a newline: no last partial record
        starts, ends = starts[:-1], ends[:-1]
    crlf = (ends > starts) & (arr[np.maximum(ends - 1, 0)] == CR)
    # a CR outside quotes ends its line: it is the CR before a record's LF (or the file's end)
    if bare_crs != int(np.count_nonzero(crlf)):
        return None
    ends = ends - crlf
    present = ends > starts  # blank lines pass through untouched
    starts, ends = starts[present], ends[present]
    count = len(starts)
    if count and int((ends - starts).max()) > limit:
        return None
    # every record holds width - 1 delimiters: then record k's are delimiters[k * (width - 1):]
    per = layout.width - 1
    if len(delimiters) != count * per:
        return None
    base = np.arange(count, dtype=np.int64) * per
    if (
        per
        and count
        and not ((delimiters[base] >= starts).all() and (delimiters[base + per - 1] < ends).all())
    ):
        return None
    column = layout.column
    f_start = starts if column == 0 else delimiters[base + column - 1] + 1
    f_end = ends if column == per else delimiters[base + column]
    if quoting:
        quoted = (f_end > f_start) & (arr[np.minimum(f_start, cut - 1)] == QUOTE)
        f_start, f_end = f_start + quoted, f_end - quoted
    else:
        quoted = np.zeros(count, dtype=bool)
    return Plan(
        cut=cut,
        newlines=line_feeds,
        arr=arr,
        ends=ends,
        f_start=f_start,
        f_end=f_end,
        quoted=quoted,
    )


Found = tuple[int, np.ndarray, np.ndarray, int, int]


def _unquoted(arr: np.ndarray, d: int, eof: bool, scratch: Scratch) -> Found | None:
    """Where the whole records of a chunk without quoting end: the bytes they span, their LFs,
    their delimiters, how many CRs and LFs they hold."""
    work = scratch.get("work", len(arr))
    newlines = np.flatnonzero(np.equal(arr, LF, out=work))
    if eof:
        cut = len(arr)
    elif len(newlines):
        cut = int(newlines[-1]) + 1
    else:
        return None
    delimiters = np.flatnonzero(np.equal(arr[:cut], d, out=work[:cut]))
    bare_crs = int(np.count_nonzero(np.equal(arr[:cut], CR, out=work[:cut])))
    return cut, newlines, delimiters, bare_crs, len(newlines)


class Scratch:
    """Byte-sized work arrays reused from chunk to chunk: a new array the size of a chunk for
    each step costs its memory's page faults again, and the allocator's churn makes runs vary."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def get(self, name: str, size: int, dtype: type = np.bool_) -> np.ndarray:
        found = self.arrays.get(name)
        if found is None or len(found) < size:
            found = self.arrays[name] = np.empty(max(size, 1 << 16), dtype=dtype)
        return found[:size]


def _quoted(arr: np.ndarray, d: int, has_cr: bool, eof: bool, scratch: Scratch) -> Found | None:
    """The same for a chunk with quoted fields (the LFs, delimiters and CRs outside quotes); None when a quote neither opens a field (after a delimiter, an LF, a
    quote or at the start) nor closes one (before a delimiter, a CR, an LF, a quote or at the
    end), or one is left open at the end of the file.

    The parity of the quotes up to each byte is one running XOR over the chunk, and each test
    is one comparison over its bytes (into arrays kept from the last chunk); only the
    structural bytes' positions are gathered.
    """
    size = len(arr)
    quote = np.equal(arr, QUOTE, out=scratch.get("quote", size))
    inside = np.bitwise_xor.accumulate(
        quote.view(np.uint8), out=scratch.get("inside", size, np.uint8)
    ).view(np.bool_)
    is_lf = np.equal(arr, LF, out=scratch.get("lf", size))
    ends_field = np.equal(arr, d, out=scratch.get("ends_field", size))
    ends_field |= is_lf
    work = scratch.get("work", size)
    is_cr = np.equal(arr, CR, out=scratch.get("cr", size)) if has_cr else None
    if is_cr is not None:
        np.logical_or(ends_field, is_cr, out=work)
    else:
        work[:] = ends_field
    np.greater(work, inside, out=work)  # outside quotes
    at = np.flatnonzero(work)
    kind = arr[at]
    newlines = at[kind == LF]
    if eof:
        cut = size
    elif len(newlines):
        cut = int(newlines[-1]) + 1
    else:
        return None
    if cut < size:
        keep = int(np.searchsorted(at, cut))
        at, kind = at[:keep], kind[:keep]
    if inside[cut - 1]:
        return None  # left open at the end of the file
    quote, inside, work = quote[:cut], inside[:cut], work[:cut]
    # a quote that opens (inside from it on) follows a delimiter, an LF or a quote
    may_border = np.logical_or(ends_field[:cut], quote, out=scratch.get("border", cut))
    opens = np.logical_and(quote, inside, out=work)
    if np.greater(opens[1:], may_border[:-1], out=opens[1:]).any():
        return None
    # a quote that closes (outside from it on) comes before a delimiter, a CR, an LF or a quote
    if is_cr is not None:
        may_border |= is_cr[:cut]
    closes = np.greater(quote, inside, out=work)
    if np.greater(closes[:-1], may_border[1:], out=closes[:-1]).any():
        return None
    delimiters = at[kind == d]
    bare_crs = int(np.count_nonzero(kind == CR)) if is_cr is not None else 0
    return cut, newlines, delimiters, bare_crs, int(np.count_nonzero(is_lf[:cut]))
