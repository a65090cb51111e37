"""Raw lead-file records as numpy bytes: reading NANP numbers from a field without libphonenumber
where that is exact, and appending the three callkeep columns to each record (where the records
and their fields lie: `record_bounds`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from callkeep.checks import engine
from callkeep.checks.engine import BIT
from callkeep.checks.record_bounds import WORD, Scratch
from callkeep.phone.validity import dialable_prefixes

_FIELD_WIDTH = 24
_POWERS = 10 ** np.arange(9, -1, -1, dtype=np.int64)
_POWERS_F = _POWERS.astype(np.float64)
_VALUE_ROWS = 8192  # rows whose digits are converted at a time (640 KB as float64)
_ZEROS = int(ord("0") * _POWERS.sum())  # the value of "0000000000" read as digits
_TENTH_BYTES = np.uint64(0xFFFF)  # bytes 9 and 10 of 16, in their second little-endian word


class Labels:
    """The appended status and reasons text per reason-bits value, built once per value."""

    def __init__(self, delimiter: bytes = b",") -> None:
        self.cache: dict[int, bytes] = {}
        self.delimiter = delimiter

    def text(self, bits: int) -> bytes:
        found = self.cache.get(bits)
        if found is None:
            d = self.delimiter
            if bits == 0:
                found = b"allowed" + d
            elif bits == BIT["invalid_number"]:
                found = b"invalid" + d + b"invalid_number"
            else:
                found = b"blocked" + d + ";".join(engine.codes_of(bits)).encode()
            self.cache[bits] = found
        return found


@dataclass
class Rows:
    """The rows of one chunk once their phone fields are read."""

    values: np.ndarray  # int64 10-digit NANP number, or -1
    others: dict[int, str]  # row -> E.164 outside NANP
    digits: np.ndarray | None = None  # (rows, 10) ASCII digits of `values`, where read


@dataclass
class Suffixes:
    """The bytes appended to each row: row k's are the first `lengths[k]` bytes of `matrix[k]`."""

    matrix: np.ndarray  # (rows, width) uint8
    lengths: np.ndarray  # int64

    def joined(self) -> np.ndarray:
        """Every row's bytes, one row after another."""
        width = self.matrix.shape[1]
        used = np.arange(width, dtype=np.int64) < self.lengths[:, None]
        return self.matrix[used]


def suffixes(
    rows: Rows, bits: np.ndarray, labels: Labels, scratch: Scratch | None = None
) -> Suffixes:
    """The bytes appended to each row: the delimiter, the phone in E.164 (nothing when
    invalid), the delimiter, the status and the reasons.

    Each row is laid out from the left of a fixed-width matrix, as a NANP number's row is (the
    delimiter, ``+1``, ten digits, the delimiter, its text); the rows without a NANP number are
    laid out again. NANP digits come from `rows.digits` where the field was read as digits.
    """
    count = len(bits)
    d = labels.delimiter[0]
    present = np.flatnonzero(np.bincount(bits))
    texts = [labels.text(int(k)) for k in present.tolist()]
    label_of = np.zeros(int(present[-1]) + 1 if count else 1, dtype=np.intp)
    label_of[present] = np.arange(len(present))
    label_of = label_of[bits]
    text_width = max([len(t) for t in texts] + [1])
    text_len = np.array([len(t) for t in texts] or [0], dtype=np.int64)
    table = np.zeros((len(texts) or 1, text_width), dtype=np.uint8)
    for i, t in enumerate(texts):
        table[i, : len(t)] = np.frombuffer(t, dtype=np.uint8)
    scratch = scratch or Scratch()
    width = 18 + text_width
    matrix = scratch.get("suffixes", count * width, np.uint8).reshape(count, width)
    matrix[:, 0] = d
    matrix[:, 1] = ord("+")
    matrix[:, 2] = ord("1")
    matrix[:, 13] = d
    nanp = rows.values >= 0
    if rows.digits is not None:
        matrix[:, 3:13] = rows.digits
        late = np.flatnonzero(nanp & (rows.digits[:, 0] == 0))
    else:
        late = np.flatnonzero(nanp)
    matrix[late, 3:13] = ((rows.values[late, None] // _POWERS) % 10).astype(np.uint8) + 48
    matrix[:, 14 : 14 + text_width] = table[label_of]
    lengths = 14 + text_len[label_of]
    # no number (nothing between the delimiters), or one outside NANP (up to 16 bytes)
    no_phone = ~nanp
    no_phone[list(rows.others)] = False
    others = {row: e164.encode()[:16] for row, e164 in rows.others.items()}
    by_size: dict[int, list[int]] = {}
    for row, phone in others.items():
        by_size.setdefault(len(phone), []).append(row)
    groups = {0: np.flatnonzero(no_phone)}
    groups.update((size, np.array(same, dtype=np.intp)) for size, same in by_size.items())
    for size, same in groups.items():
        if size:
            matrix[same, 1 : 1 + size] = np.frombuffer(
                b"".join(others[row] for row in same.tolist()), dtype=np.uint8
            ).reshape(-1, size)
        matrix[same, 1 + size] = d
        matrix[same, 2 + size : 2 + size + text_width] = table[label_of[same]]
        lengths[same] = 2 + size + text_len[label_of[same]]
    return Suffixes(matrix, lengths)


def _value_of(ascii_digits: np.ndarray, scratch: Scratch | None) -> np.ndarray:
    """The value of each row of ten ASCII digits, as int64: a floating-point matrix product
    (BLAS; numpy's integer product is a plain loop), exact, every partial sum being a whole
    number below 2**53; `_VALUE_ROWS` rows at a time, through a small kept array."""
    scratch = scratch or Scratch()
    count = len(ascii_digits)
    values = np.empty(count, dtype=np.int64)
    rows = min(count, _VALUE_ROWS)
    as_float = scratch.get("digits_f", rows * 10, np.float64)
    total = scratch.get("values_f", rows, np.float64)
    for start in range(0, count, _VALUE_ROWS):
        part = ascii_digits[start : start + _VALUE_ROWS]
        size = len(part)
        np.copyto(as_float[: size * 10].reshape(size, 10), part, casting="unsafe")
        np.matmul(as_float[: size * 10].reshape(size, 10), _POWERS_F, out=total[:size])
        values[start : start + size] = total[:size]
    values -= _ZEROS
    return values


def read_numbers(
    arr: np.ndarray, f_start: np.ndarray, f_end: np.ndarray, scratch: Scratch | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 10-digit NANP value of each field that is plainly one (else -1), and which fields
    were decided here (the rest go to libphonenumber).

    A field is read here when it has only digits and ``space - . ( )`` (a ``+`` only in front
    of 11 digits starting with 1), at most _FIELD_WIDTH bytes, and 10 digits, or 11 starting
    with 1; its NPA-NXX prefix must be wholly dialable or wholly not in the prefix table.
    """
    count = len(f_start)
    flen = f_end - f_start
    if count == 0:
        return np.zeros(0, np.int64), np.zeros(0, bool), np.zeros((0, 10), np.uint8)
    # Every byte's next 16 and _FIELD_WIDTH bytes as one item each: gathering items of these
    # views copies only the fields (one copy of each, not byte by byte). The bytes after a
    # field are the record's (or the chunk's past its last record): only a copy of the end
    # of the chunk is padded, when a field starts too near the end.
    source = arr
    if int(f_start[-1]) + _FIELD_WIDTH > len(arr):
        source = (
            np.zeros(len(arr) + _FIELD_WIDTH, dtype=np.uint8)
            if scratch is None
            else (scratch.get("padded", len(arr) + _FIELD_WIDTH, np.uint8))
        )
        source[: len(arr)] = arr
        source[len(arr) :] = 0

    # The common case: exactly ten digits and nothing else. Every field's first 16 bytes are
    # read, so that a row's test of its first ten is two 64-bit words (the digits of the rows
    # that are, the rest cleared).
    head = _items_of(source, 16)[f_start].view(np.uint8).reshape(-1, 16)
    not_digit = ((head - np.uint8(ord("0"))) >= 10).view(WORD)
    plain = (flen == 10) & ((not_digit[:, 0] | (not_digit[:, 1] & _TENTH_BYTES)) == 0)
    digits = head[:, :10]
    values = np.where(plain, _value_of(digits, scratch), -1)
    decided = plain.copy()
    digits[~plain] = 0

    # Anything else short enough: classify its bytes, take its digits in order.
    rows = np.flatnonzero(~plain & (flen > 0) & (flen <= _FIELD_WIDTH))
    if len(rows):
        chars = _items_of(source, _FIELD_WIDTH)[f_start[rows]].view(np.uint8)
        chars = chars.reshape(-1, _FIELD_WIDTH)
        inside = np.arange(_FIELD_WIDTH) < flen[rows, None]
        is_digit = ((chars - np.uint8(ord("0"))) < 10) & inside
        is_plus = (chars == ord("+")) & inside
        ignored = np.zeros_like(inside)  # punctuation libphonenumber ignores in a number
        for ch in b" -.()":
            ignored |= chars == ch
        clean = ~(inside & ~(is_digit | is_plus | ignored)).any(axis=1)
        n_digit = is_digit.sum(axis=1)
        n_plus = is_plus.sum(axis=1)
        ten = clean & (n_digit == 10) & (n_plus == 0)
        eleven = (
            clean & (n_digit == 11) & ((n_plus == 0) | ((n_plus == 1) & (chars[:, 0] == ord("+"))))
        )
        for kept, count_of in ((ten, 10), (eleven, 11)):
            # a row's digits in order: the digit bytes of those rows, row after row
            found = chars[kept][is_digit[kept]].reshape(-1, count_of)
            at = rows[kept]
            if count_of == 11:
                leading_one = found[:, 0] == ord("1")
                found, at = found[leading_one, 1:], at[leading_one]
            values[at] = _value_of(found, scratch)
            digits[at] = found
            decided[at] = True
    # The one validity rule's table: a plainly written NANP number is decided here.
    rows = np.flatnonzero(values >= 0)
    values[rows[~dialable_prefixes()[values[rows] // 10_000]]] = -1
    digits[values < 0] = 0
    return values, decided, digits


def splice(arr: np.ndarray, ends: np.ndarray, added: Suffixes, scratch: Scratch) -> np.ndarray:
    """`arr` with each row's suffix inserted at its record's end (`ends`, before the line
    terminator), in an array kept from the last chunk.

    The stretches of `arr` between two records' ends and the suffixes are moved as items of a
    few bytes each, gathered from overlapping views of their bytes and scattered into one of the
    output: the suffixes of one length as one item each, a stretch of 64 to 127 bytes as the
    64 bytes from its start and the 64 to its end, and so on for each power of two; longer ones in
    64-byte items. No two items put different bytes in one place, so the order they are moved in
    does not matter.
    """
    count = len(ends)
    lengths = added.lengths
    inserted = np.cumsum(lengths)  # the suffix bytes up to and including each row's
    out = scratch.get("out", len(arr) + (int(inserted[-1]) if count else 0), np.uint8)
    starts = np.concatenate((np.zeros(1, dtype=np.int64), ends))  # of each stretch, in `arr`
    stops = np.concatenate((ends, np.array([len(arr)], dtype=np.int64)))
    moved = np.concatenate((np.zeros(1, dtype=np.int64), inserted))  # how far each stretch moves
    _move_stretches(arr, starts, stops - starts, starts + moved, out)
    placed = ends + inserted - lengths  # where each suffix goes
    width = added.matrix.shape[1]
    rows_of = np.ravel(added.matrix)
    for size in np.flatnonzero(np.bincount(lengths)).tolist():
        rows = np.flatnonzero(lengths == size)
        _items_of(out, size)[placed[rows]] = _items_of(rows_of, size)[rows * width]
    return out


_WIDEST = 64  # bytes of the largest item a stretch is moved in


def _items_of(buffer: np.ndarray, width: int) -> np.ndarray:
    """Each byte's next `width` bytes of `buffer` as one item (overlapping views)."""
    return np.ndarray(
        shape=(len(buffer) - width + 1,), dtype=f"V{width}", buffer=buffer, strides=(1,)
    )


def _move_stretches(
    arr: np.ndarray, starts: np.ndarray, sizes: np.ndarray, to: np.ndarray, out: np.ndarray
) -> None:
    """Copies each stretch `arr[starts[k] : starts[k] + sizes[k]]` to `out[to[k]:]`: one of w to
    2w - 1 bytes (w a power of two up to `_WIDEST`) as the w-byte items at its start and its
    end, which overlap where it is shorter than 2w; a longer one as items of `_WIDEST` bytes
    from its start and the one at its end."""
    size_class = np.zeros(len(sizes), dtype=np.int64)
    present = sizes > 0
    size_class[present] = np.frexp(sizes[present].astype(np.float64))[1] - 1  # log2, floored
    np.minimum(size_class, _WIDEST.bit_length(), out=size_class)
    for power in np.flatnonzero(np.bincount(size_class[present])).tolist():
        rows = np.flatnonzero(present & (size_class == power))
        width = min(1 << power, _WIDEST)
        source, target = _items_of(arr, width), _items_of(out, width)
        begin, length, dest = starts[rows], sizes[rows], to[rows]
        if power < _WIDEST.bit_length():
            target[dest] = source[begin]
            tail = length - width
            target[dest + tail] = source[begin + tail]
            continue
        pieces = -(-length // width)
        first = np.cumsum(pieces) - pieces
        stretch = np.repeat(np.arange(len(rows)), pieces)
        offset = (np.arange(int(pieces.sum())) - first[stretch]) * width
        np.minimum(offset, length[stretch] - width, out=offset)
        target[dest[stretch] + offset] = source[begin[stretch] + offset]
