"""Where the records of a lead file's chunk lie, found for the whole chunk at once: their ends,
their line terminators and the phone field's span in each.

Quoted fields (RFC 4180, as CRMs and Excel write them) are found as vectorised CSV parsers do: a
byte is inside quotes when an odd number of quote characters precede it in the chunk (a doubled
quote toggles twice), so delimiters and newlines at even parity are the structural ones. That is
exact only while every quote opens a field or closes one (or is doubled inside one); `plan`
checks that for the whole chunk and otherwise leaves the chunk to the csv module.

The parity and the checks are worked out on masks of one bit a byte (quotes, delimiters, LFs and
CRs), packed from byte comparisons a slice of `SLICE` bytes at a time; only the structural bytes'
positions (delimiters and LFs outside quotes: a few in a line) are gathered, and the records and
the phone field's span are worked out on those alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

QUOTE, LF, CR = ord('"'), ord("\n"), ord("\r")
SLICE = 256 << 10  # bytes of a chunk compared at a time: their masks stay in the core's cache


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
    if not present.all():
        starts, ends = starts[present], ends[present]
    count = len(starts)
    if count and int((ends - starts).max()) > limit:
        return None
    # every record holds width - 1 delimiters: then record k's are row k of this matrix
    per = layout.width - 1
    if len(delimiters) != count * per:
        return None
    by_record = delimiters.reshape(count, per)
    if (
        per
        and count
        and not ((by_record[:, 0] >= starts).all() and (by_record[:, -1] < ends).all())
    ):
        return None
    column = layout.column
    f_start = starts if column == 0 else by_record[:, column - 1] + 1
    f_end = ends if column == per else by_record[:, column]
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

    Each kind of byte is a mask of one bit a byte (`_bit_masks`), and everything after is worked
    out on those as 64-bit words, eight times fewer items than bytes: the quote parity is each
    word's running XOR, with the parity of the words before it carried in; a byte's neighbour is
    the word shifted by one bit. The quote checks look at every byte but the chunk's first and
    last; a quote that fails them past the last whole record is as wrong in the file, and the
    csv module then reads from this chunk on.
    """
    size = len(arr)
    if size == 0:
        return (0, np.zeros(0, np.int64), np.zeros(0, np.int64), 0, 0) if eof else None
    values = (QUOTE, d, LF, CR) if has_cr else (QUOTE, d, LF)
    quote, delim, lf, *crs = _bit_masks(arr, values, scratch)
    cr = crs[0] if crs else None
    words = len(quote)
    shifted = scratch.get("w_shifted", words, np.uint64)
    test = scratch.get("w_test", words, np.uint64)
    inside = _parity(quote, scratch)  # bit i: an odd number of quotes up to byte i
    border = np.bitwise_or(delim, lf, out=scratch.get("w_border", words, np.uint64))
    border |= quote
    # a quote that opens (inside from it on) follows a delimiter, an LF, a quote or the start
    np.bitwise_and(quote, inside, out=test)
    test &= np.invert(_before(border, shifted), out=shifted)
    if test.any():
        return None
    # a quote that closes (outside from it on) comes before a delimiter, a CR, an LF, a quote
    # or the end
    if cr is not None:
        border |= cr
    np.invert(inside, out=test)
    test &= quote
    test &= np.invert(_after(border, size, shifted), out=shifted)
    if test.any():
        return None
    left_open = _bit(inside, size - 1)
    outside = np.invert(inside, out=inside)
    newlines = _positions(np.bitwise_and(lf, outside, out=test))
    if eof:
        if left_open:
            return None  # left open at the end of the file
        cut = size
    elif len(newlines):
        cut = int(newlines[-1]) + 1
    else:
        return None
    delimiters = _positions(_below(np.bitwise_and(delim, outside, out=test), cut))
    bare_crs = 0
    if cr is not None:
        bare_crs = _count(_below(np.bitwise_and(cr, outside, out=test), cut))
    np.copyto(test, lf)
    line_feeds = _count(_below(test, cut))
    return cut, newlines, delimiters, bare_crs, line_feeds


# bytes read as little-endian 64-bit words: in a mask, byte i is bit i % 64 of word i // 64
WORD = np.dtype("<u8")
_ONE, _TOP = np.uint64(1), np.uint64(63)
_ALL = np.uint64(0xFFFF_FFFF_FFFF_FFFF)


def _bit_masks(arr: np.ndarray, values: tuple[int, ...], scratch: Scratch) -> list[np.ndarray]:
    """For each value, a bit for every byte of `arr` set where the byte is that value, as words
    (zero past the end); each byte comparison is made a slice of `SLICE` bytes at a time, so that
    it is packed to bits while it is still in the core's cache."""
    size = len(arr)
    words = -(-size // 64)
    packed = [scratch.get(f"bits{k}", words * 8, np.uint8) for k in range(len(values))]
    step = max(8, SLICE // 8 * 8)  # a slice's bits start on a byte of their own
    equal = scratch.get("equal", min(step, size))
    for s in range(0, size, step):
        a = arr[s : s + step]
        same = equal[: len(a)]
        at = s >> 3
        for bits, value in zip(packed, values, strict=True):
            part = np.packbits(np.equal(a, value, out=same), bitorder="little")
            bits[at : at + len(part)] = part
    used = -(-size // 8)
    for bits in packed:
        bits[used:] = 0
    return [bits.view(WORD) for bits in packed]


def _parity(quote: np.ndarray, scratch: Scratch) -> np.ndarray:
    """Bit i set where an odd number of the quotes' bits up to bit i are: each word's running
    XOR by six shifts, then the parity of all the words before it (`prefix_xor` over one flag
    a word) flipping every bit of the word where it is odd."""
    words = len(quote)
    inside = scratch.get("w_inside", words, np.uint64)
    shifted = scratch.get("w_parity", words, np.uint64)
    np.copyto(inside, quote)
    for k in (1, 2, 4, 8, 16, 32):
        np.left_shift(inside, np.uint64(k), out=shifted)
        inside ^= shifted
    before = scratch.get("w_before", words, np.uint8)  # each word's parity, moved on a word
    before[0] = 0
    np.right_shift(inside[:-1], _TOP, out=shifted[: words - 1])
    before[1:] = shifted[: words - 1]
    carried = prefix_xor(before, scratch.get("w_carried", words, np.uint8), scratch)
    np.multiply(carried, _ALL, out=shifted)
    inside ^= shifted
    return inside


def _before(bits: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Bit i of `out` is bit i - 1 of `bits`, the bit before the first one set."""
    np.left_shift(bits, _ONE, out=out)
    out[1:] |= bits[:-1] >> _TOP
    out[0] |= _ONE
    return out


def _after(bits: np.ndarray, size: int, out: np.ndarray) -> np.ndarray:
    """Bit i of `out` is bit i + 1 of `bits` (which has `size` bits), the bit after the last
    one set."""
    words = len(bits)
    if size < words * 64:
        bits[size >> 6] |= _ONE << np.uint64(size & 63)
    np.right_shift(bits, _ONE, out=out)
    out[:-1] |= bits[1:] << _TOP
    if size == words * 64:
        out[-1] |= _ONE << _TOP
    return out


def _below(bits: np.ndarray, cut: int) -> np.ndarray:
    """`bits` with every bit from `cut` on cleared."""
    word = cut >> 6
    if word < len(bits):
        bits[word] &= (_ONE << np.uint64(cut & 63)) - _ONE
        bits[word + 1 :] = 0
    return bits


def _bit(bits: np.ndarray, i: int) -> bool:
    return bool((int(bits[i >> 6]) >> (i & 63)) & 1)


def _count(bits: np.ndarray) -> int:
    return int(np.bitwise_count(bits).sum())


def _positions(bits: np.ndarray) -> np.ndarray:
    """The positions of the bits set, in order. The structural bits are sparse, most bytes of
    the mask holding none or one: each byte holding one gives its position by a count of the
    bits below it; bytes holding several give one more position a round. Where many bytes hold
    several, every bit is unpacked to a byte and the set ones found instead."""
    mask = bits.view(np.uint8)
    at = np.flatnonzero(mask != 0)
    held = mask[at]
    counts = np.bitwise_count(held)
    several = int(np.count_nonzero(counts > 1))
    if several * 8 > len(held):
        return np.flatnonzero(np.unpackbits(mask, bitorder="little").view(np.bool_))
    at <<= 3
    if not several:
        at += np.bitwise_count(held - np.uint8(1))  # a byte's one bit: the bits below it
        return at
    slot = np.cumsum(counts, dtype=np.int64)
    found = np.empty(int(slot[-1]), dtype=np.int64)
    slot -= counts  # where a byte's first position goes
    while len(held):
        lowest = held & (~held + np.uint8(1))
        found[slot] = at + np.bitwise_count(lowest - np.uint8(1))
        held &= held - np.uint8(1)
        more = held != 0
        held, at, slot = held[more], at[more], slot[more] + 1
    return found


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
