"""Where the records of a lead file's chunk lie, found for the whole chunk at once: their ends,
their line terminators and the phone field's span in each.

Quoted fields (RFC 4180, as CRMs and Excel write them) are found as vectorised CSV parsers do: a
byte is inside quotes when an odd number of quote characters precede it in the chunk (a doubled
quote toggles twice), so delimiters and newlines at even parity are the structural ones. That is
exact only while every quote opens a field or closes one (or is doubled inside one); `plan`
checks that for the whole chunk and otherwise leaves the chunk to the csv module.

The parity and the checks are byte masks over the chunk, worked out a slice of `SLICE` bytes
at a time so that a slice's masks stay in the core's cache; only the structural bytes' positions
(delimiters, CRs and LFs outside quotes: a few in a line) are gathered, and the records and the
phone field's span are worked out on those alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

QUOTE, LF, CR = ord('"'), ord("\n"), ord("\r")
SLICE = 256 << 10  # bytes of a chunk tested at a time: their masks stay in the core's cache


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
    """The same for a chunk with quoted fields (the LFs, delimiters and CRs outside quotes);
    None when a quote neither opens a field (after a delimiter, an LF, a quote or at the start)
    nor closes one (before a delimiter, a CR, an LF, a quote or at the end), or one is left open
    at the end of the file.

    The chunk's bytes are tested a slice at a time (`SLICE` bytes, so that a slice's masks stay
    in the core's cache between the dozen passes over them): the quote parity is the running
    XOR of the quotes, carried from slice to slice, and each test is one comparison into arrays
    kept from the last chunk. The quote checks look at every byte but the chunk's first and
    last; a quote that fails them past the last whole record is as wrong in the file, and the
    csv module then reads from this chunk on. Only the structural bytes' positions are gathered.
    """
    size = len(arr)
    structural = scratch.get("work", size)
    carry = False  # the parity before the slice
    border_before = True  # the byte before the slice may stand before an opening quote
    closes_before = False  # the byte before the slice is a closing quote
    for s in range(0, size, SLICE):
        a = arr[s : s + SLICE]
        n = len(a)
        quote = np.equal(a, QUOTE, out=scratch.get("quote", n))
        inside = prefix_xor(quote.view(np.uint8), scratch.get("inside", n, np.uint8), scratch)
        inside = inside.view(np.bool_)
        if carry:
            np.logical_not(inside, out=inside)
        ends_field = np.equal(a, d, out=scratch.get("ends_field", n))
        ends_field |= np.equal(a, LF, out=scratch.get("lf", n))
        work = structural[s : s + n]
        if has_cr:
            is_cr = np.equal(a, CR, out=scratch.get("cr", n))
            np.logical_or(ends_field, is_cr, out=work)
        else:
            work[:] = ends_field
        np.greater(work, inside, out=work)  # outside quotes
        # a quote that opens (inside from it on) follows a delimiter, an LF or a quote
        may_border = np.logical_or(ends_field, quote, out=scratch.get("border", n))
        test = np.logical_and(quote, inside, out=scratch.get("test", n))
        if test[0] and not border_before:
            return None
        if np.count_nonzero(np.greater(test[1:], may_border[:-1], out=test[1:])):
            return None
        border_before = bool(may_border[-1])
        # a quote that closes (outside from it on) comes before a delimiter, a CR, an LF or a quote
        if has_cr:
            may_border |= is_cr
        if closes_before and not may_border[0]:
            return None
        test = np.greater(quote, inside, out=test)
        closes_before = bool(test[-1])
        if np.count_nonzero(np.greater(test[:-1], may_border[1:], out=test[:-1])):
            return None
        carry = bool(inside[-1])
    at = np.flatnonzero(structural)
    kind = arr[at]
    newlines = at[kind == LF]
    if eof:
        if carry:
            return None  # left open at the end of the file
        cut = size
    elif len(newlines):
        cut = int(newlines[-1]) + 1
    else:
        return None
    if cut < size:
        keep = int(np.searchsorted(at, cut))
        at, kind = at[:keep], kind[:keep]
    delimiters = at[kind == d]
    bare_crs = int(np.count_nonzero(kind == CR)) if has_cr else 0
    line_feeds = int(np.count_nonzero(np.equal(arr[:cut], LF, out=structural[:cut])))
    return cut, newlines, delimiters, bare_crs, line_feeds


_BYTE_ONES = np.uint64(0x0101010101010101)
_SMALL = 4096


def prefix_xor(flags: np.ndarray, out: np.ndarray, scratch: Scratch, level: int = 0) -> np.ndarray:
    """The running XOR of `flags` (bytes of 0 or 1) into `out`: each byte's quote parity.

    `np.bitwise_xor.accumulate` takes one byte at a time; here each 8-byte word's own running
    XOR is three shifts and XORs of the whole chunk as 64-bit words, and the parity carried in
    from the words before each is the same sum one level up, over one byte per word (each
    word's last byte), added back to all eight bytes of the word by one multiplication.
    """
    size = len(flags)
    if size < _SMALL:
        return np.bitwise_xor.accumulate(flags, out=out)
    words = size // 8
    whole = words * 8
    w, ww = flags[:whole].view(np.uint64), out[:whole].view(np.uint64)
    shifted = scratch.get(f"xor_shifted{level}", words, np.uint64)
    np.left_shift(w, np.uint64(8), out=shifted)  # little-endian: byte k moves to byte k + 1
    np.bitwise_xor(w, shifted, out=ww)
    np.left_shift(ww, np.uint64(16), out=shifted)
    np.bitwise_xor(ww, shifted, out=ww)
    np.left_shift(ww, np.uint64(32), out=shifted)
    np.bitwise_xor(ww, shifted, out=ww)
    last = scratch.get(f"xor_last{level}", words, np.uint8)
    last[0] = 0
    last[1:] = out[7 : whole - 1 : 8]  # each word's parity, moved on to the next word
    carried = prefix_xor(
        last, scratch.get(f"xor_carried{level}", words, np.uint8), scratch, level + 1
    )
    np.multiply(carried, _BYTE_ONES, out=shifted)
    np.bitwise_xor(ww, shifted, out=ww)
    if whole < size:
        np.bitwise_xor.accumulate(flags[whole:], out=out[whole:])
        out[whole:] ^= out[whole - 1]
    return out
