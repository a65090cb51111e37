"""Raw CSV lines as numpy bytes: finding a field, reading NANP numbers from it without
libphonenumber where that is exact, and appending the three callkeep columns to each line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from callkeep.checks import engine
from callkeep.checks.engine import BIT
from callkeep.phone.validity import dialable_prefixes

_FIELD_WIDTH = 24
_POWERS = 10 ** np.arange(9, -1, -1, dtype=np.int64)
_ZEROS = int(ord("0") * _POWERS.sum())  # the value of "0000000000" read as digits

# Byte classes: 1 digit, 2 punctuation libphonenumber ignores in a number, 3 '+', 0 anything else.
_CLASS = np.zeros(256, dtype=np.uint8)
_CLASS[ord("0") : ord("9") + 1] = 1
for _ch in b" -.()":
    _CLASS[_ch] = 2
_CLASS[ord("+")] = 3


class Labels:
    """The appended status and reasons text per reason-bits value, built once per value."""

    def __init__(self) -> None:
        self.cache: dict[int, bytes] = {}

    def text(self, bits: int) -> bytes:
        found = self.cache.get(bits)
        if found is None:
            if bits == 0:
                found = b"allowed,"
            elif bits == BIT["invalid_number"]:
                found = b"invalid,invalid_number"
            else:
                found = b"blocked," + ";".join(engine.codes_of(bits)).encode()
            self.cache[bits] = found
        return found


@dataclass
class Rows:
    """The rows of one chunk once their phone fields are read."""

    values: np.ndarray  # int64 10-digit NANP number, or -1
    others: dict[int, str]  # row -> E.164 outside NANP
    digits: np.ndarray | None = None  # (rows, 10) ASCII digits of `values`, where read


def suffixes(rows: Rows, bits: np.ndarray, labels: Labels) -> tuple[np.ndarray, np.ndarray]:
    """The bytes appended to each row (concatenated) and their lengths."""
    count = len(bits)
    phone = np.zeros((count, 16), dtype=np.uint8)
    phone_len = np.zeros(count, dtype=np.int64)
    nanp = rows.values >= 0
    digits = (rows.values[nanp, None] // _POWERS) % 10
    phone[nanp, 0] = ord("+")
    phone[nanp, 1] = ord("1")
    phone[nanp, 2:12] = digits.astype(np.uint8) + ord("0")
    phone_len[nanp] = 12
    for row, e164 in rows.others.items():
        raw = e164.encode()[:16]
        phone[row, : len(raw)] = np.frombuffer(raw, dtype=np.uint8)
        phone_len[row] = len(raw)
    kinds, label_of = np.unique(bits, return_inverse=True)
    texts = [labels.text(int(k)) for k in kinds.tolist()]
    width = max(len(t) for t in texts) if texts else 0
    table = np.zeros((len(texts), max(width, 1)), dtype=np.uint8)
    table_len = np.zeros(len(texts), dtype=np.int64)
    for i, t in enumerate(texts):
        table[i, : len(t)] = np.frombuffer(t, dtype=np.uint8)
        table_len[i] = len(t)
    label_of = label_of.reshape(-1)
    matrix = np.zeros((count, 18 + table.shape[1]), dtype=np.uint8)
    mask = np.zeros(matrix.shape, dtype=bool)
    matrix[:, 0] = ord(",")
    mask[:, 0] = True
    matrix[:, 1:17] = phone
    mask[:, 1:17] = np.arange(16) < phone_len[:, None]
    matrix[:, 17] = ord(",")
    mask[:, 17] = True
    matrix[:, 18:] = table[label_of]
    mask[:, 18:] = np.arange(table.shape[1]) < table_len[label_of][:, None]
    return matrix[mask], mask.sum(axis=1)


def field_bounds(
    commas: np.ndarray, starts: np.ndarray, ends: np.ndarray, column: int
) -> tuple[np.ndarray, np.ndarray]:
    """Where field `column` of each line starts and ends (a missing field is empty at the end)."""
    if len(commas) == 0:
        return (starts.copy() if column == 0 else ends.copy()), ends.copy()
    first = np.searchsorted(commas, starts)
    last_comma = len(commas) - 1
    if column == 0:
        f_start = starts.copy()
    else:
        k = first + column - 1
        at = commas[np.minimum(k, last_comma)]
        f_start = np.where((k <= last_comma) & (at < ends), at + 1, ends)
    k = first + column
    at = commas[np.minimum(k, last_comma)]
    f_end = np.where((k <= last_comma) & (at < ends) & (at >= f_start), at, ends)
    return f_start, np.maximum(f_end, f_start)


def read_numbers(
    arr: np.ndarray, f_start: np.ndarray, f_end: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 10-digit NANP value of each field that is plainly one (else -1), and which fields
    were decided here (the rest go to libphonenumber).

    A field is read here when it has only digits and ``space - . ( )`` (a ``+`` only in front
    of 11 digits starting with 1), at most _FIELD_WIDTH bytes, and 10 digits, or 11 starting
    with 1; its NPA-NXX prefix must be wholly dialable or wholly not in the prefix table.
    """
    count = len(f_start)
    flen = f_end - f_start
    values = np.full(count, -1, dtype=np.int64)
    decided = np.zeros(count, dtype=bool)
    # A view of every byte's next _FIELD_WIDTH bytes: gathering rows of it copies only fields.
    padded = np.concatenate((arr, np.zeros(_FIELD_WIDTH, dtype=np.uint8)))
    window = np.lib.stride_tricks.sliding_window_view(padded, _FIELD_WIDTH)

    # The common case: exactly ten digits and nothing else.
    rows = np.flatnonzero(flen == 10)
    ten_chars = window[f_start[rows], :10] - np.uint8(ord("0"))
    plain_rows = rows[(ten_chars < 10).all(axis=1)]
    plain = np.zeros(count, dtype=bool)
    plain[plain_rows] = True
    digits = np.zeros((count, 10), dtype=np.uint8)  # ASCII; 0 where not read here
    digits[plain_rows] = window[f_start[plain_rows], :10]
    values[plain_rows] = digits[plain_rows].astype(np.int64) @ _POWERS - _ZEROS
    decided[plain_rows] = True

    # Anything else short enough: classify its bytes, gather its digits in order.
    rows = np.flatnonzero(~plain & (flen > 0) & (flen <= _FIELD_WIDTH))
    if len(rows):
        chars = window[f_start[rows]]
        inside = np.arange(_FIELD_WIDTH) < flen[rows, None]
        kind = np.where(inside, _CLASS[chars], 4)
        is_digit = kind == 1
        n_digit = is_digit.sum(axis=1)
        n_plus = (kind == 3).sum(axis=1)
        fits = ((kind == 0).sum(axis=1) == 0) & ((n_digit == 10) | (n_digit == 11))
        order = np.argsort(~is_digit, axis=1, kind="stable")
        found = np.take_along_axis(chars, order, axis=1)[:, :11].astype(np.int64) - ord("0")
        ten = fits & (n_digit == 10) & (n_plus == 0)
        leads_plus = chars[:, 0] == ord("+")
        eleven = (
            fits
            & (n_digit == 11)
            & (found[:, 0] == 1)
            & ((n_plus == 0) | ((n_plus == 1) & leads_plus))
        )
        ten_digits = np.where(ten[:, None], found[:, :10], found[:, 1:11])
        ok = ten | eleven
        values[rows[ok]] = ten_digits[ok] @ _POWERS
        digits[rows[ok]] = ten_digits[ok].astype(np.uint8) + ord("0")
        decided[rows[ok]] = True
    # The one validity rule's table: a plainly written NANP number is decided here.
    rows = np.flatnonzero(values >= 0)
    values[rows[~dialable_prefixes()[values[rows] // 10_000]]] = -1
    digits[values < 0] = 0
    return values, decided, digits


def row_texts(
    rows: Rows, bits: np.ndarray, labels: Labels, end: bytes
) -> tuple[list[bytes], list[bytes]]:
    """Per row, the appended phone piece (``,+1NNNNNNNNNN,``) and status-and-reasons text
    followed by `end` (the line terminator)."""
    count = len(bits)
    matrix = np.empty((count, 15), dtype=np.uint8)
    matrix[:, 0] = ord(",")
    matrix[:, 1] = ord("+")
    matrix[:, 2] = ord("1")
    if rows.digits is not None:
        matrix[:, 3:13] = rows.digits
        late = np.flatnonzero((rows.values >= 0) & (rows.digits[:, 0] == 0))
        matrix[late, 3:13] = ((rows.values[late, None] // _POWERS) % 10).astype(np.uint8) + 48
    else:
        positive = np.maximum(rows.values, 0)[:, None]
        matrix[:, 3:13] = ((positive // _POWERS) % 10).astype(np.uint8) + 48
    matrix[:, 13] = ord(",")
    matrix[:, 14] = ord("\n")
    phones = matrix.tobytes().split(b"\n")[:count]
    for row in np.flatnonzero(rows.values < 0).tolist():
        phones[row] = b"," + rows.others.get(row, "").encode() + b","
    table = np.empty(int(bits.max()) + 1 if count else 1, dtype=object)
    for value in np.flatnonzero(np.bincount(bits)).tolist():
        table[value] = labels.text(value) + end
    return phones, list(table[bits].tolist())


def join_lines(
    block: bytes,
    arr: np.ndarray,
    ends: np.ndarray,
    rows: Rows,
    bits: np.ndarray,
    labels: Labels,
) -> bytes:
    """`block` with each row's columns appended at its line's end (before the terminator).

    When every line ends alike (all CRLF or all LF) lines are split and joined by bytes methods
    in C; otherwise the bytes are moved with numpy.
    """
    newlines = block.count(b"\n")
    crlf = block.count(b"\r\n")
    separator = b"\r\n" if crlf == newlines and crlf else b"\n" if crlf == 0 else b""
    lines = block.split(separator) if separator else []
    if not separator or len(lines) != newlines + 1:
        suffix, suffix_len = suffixes(rows, bits, labels)
        return splice(arr, ends, suffix, suffix_len).tobytes()
    # each text ends with the terminator: three pieces a line, the last one's terminator cut
    phones, texts = row_texts(rows, bits, labels, separator)
    count = len(lines)
    line_of = np.searchsorted(np.flatnonzero(arr == 10), ends)
    if len(line_of) == count or (
        len(line_of) == count - 1 and lines[-1] == b"" and bool((np.diff(line_of) == 1).all())
    ):
        if len(line_of) < count:
            phones.append(b"")
            texts.append(b"")
    else:  # blank lines: they get nothing appended
        all_phones: list[bytes] = [b""] * count
        all_texts: list[bytes] = [separator] * count
        for k, line in enumerate(line_of.tolist()):
            all_phones[line] = phones[k]
            all_texts[line] = texts[k]
        phones, texts = all_phones, all_texts
    texts[-1] = texts[-1][: -len(separator)]
    parts: list[bytes] = [b""] * (3 * count)
    parts[0::3] = lines
    parts[1::3] = phones
    parts[2::3] = texts
    return b"".join(parts)


def splice(
    arr: np.ndarray, ends: np.ndarray, suffix: np.ndarray, suffix_len: np.ndarray
) -> np.ndarray:
    """`arr` with each suffix inserted at its line's end (before the line terminator)."""
    size = len(arr)
    delta = np.zeros(size + 1, dtype=np.int64)
    delta[ends] = suffix_len
    shift = np.cumsum(delta[:size])
    out = np.empty(size + len(suffix), dtype=np.uint8)
    out[np.arange(size, dtype=np.int64) + shift] = arr
    out[np.repeat(ends, suffix_len) + np.arange(len(suffix), dtype=np.int64)] = suffix
    return out
