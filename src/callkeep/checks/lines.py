"""Raw lead-file records as numpy bytes: reading NANP numbers from a field without libphonenumber
where that is exact, and appending the three callkeep columns to each record (where the records
and their fields lie: `record_bounds`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from callkeep.checks import engine
from callkeep.checks.engine import BIT
from callkeep.checks.record_bounds import Scratch
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


def suffixes(rows: Rows, bits: np.ndarray, labels: Labels) -> tuple[np.ndarray, np.ndarray]:
    """The bytes appended to each row (concatenated) and their lengths: the delimiter, the
    phone in E.164 (nothing when invalid), the delimiter, the status and the reasons.

    Each row is laid out in a fixed-width matrix (the phone in a 16-byte slot, the text in the
    widest text's) with a mask of the bytes it uses; the masked bytes, row by row, are the
    suffixes. NANP digits come from `rows.digits` where the field was read as digits.
    """
    count = len(bits)
    d = labels.delimiter[0]
    present = np.flatnonzero(np.bincount(bits))
    texts = [labels.text(int(k)) for k in present.tolist()]
    label_of = np.zeros(int(present[-1]) + 1 if count else 1, dtype=np.intp)
    label_of[present] = np.arange(len(present))
    label_of = label_of[bits]
    text_width = max([len(t) for t in texts] + [1])
    table = np.zeros((len(texts) or 1, text_width), dtype=np.uint8)
    table_mask = np.zeros(table.shape, dtype=bool)
    for i, t in enumerate(texts):
        table[i, : len(t)] = np.frombuffer(t, dtype=np.uint8)
        table_mask[i, : len(t)] = True
    matrix = np.empty((count, 18 + text_width), dtype=np.uint8)
    mask = np.empty(matrix.shape, dtype=bool)
    matrix[:, 0] = d
    matrix[:, 1] = ord("+")
    matrix[:, 2] = ord("1")
    matrix[:, 17] = d
    mask[:, 0] = mask[:, 17] = True
    nanp = rows.values >= 0
    mask[:, 1:13] = nanp[:, None]
    mask[:, 13:17] = False
    if rows.digits is not None:
        matrix[:, 3:13] = rows.digits
        late = np.flatnonzero(nanp & (rows.digits[:, 0] == 0))
    else:
        late = np.flatnonzero(nanp)
    matrix[late, 3:13] = ((rows.values[late, None] // _POWERS) % 10).astype(np.uint8) + 48
    for row, e164 in rows.others.items():
        raw = np.frombuffer(e164.encode()[:16], dtype=np.uint8)
        matrix[row, 1 : 1 + len(raw)] = raw
        mask[row, 1:17] = np.arange(16) < len(raw)
    matrix[:, 18:] = table[label_of]
    mask[:, 18:] = table_mask[label_of]
    return matrix[mask], np.count_nonzero(mask, axis=1)


def _items(padded: np.ndarray, width: int) -> np.ndarray:
    """Each byte's next `width` bytes of `padded` as one item (overlapping views)."""
    return np.ndarray(
        shape=(len(padded) - width + 1,), dtype=f"V{width}", buffer=padded, strides=(1,)
    )


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
    values = np.full(count, -1, dtype=np.int64)
    decided = np.zeros(count, dtype=bool)
    # Every byte's next 10 and _FIELD_WIDTH bytes as one item each: gathering items of these
    # views copies only the fields (one copy of each, not byte by byte).
    padded = (
        np.zeros(len(arr) + _FIELD_WIDTH, dtype=np.uint8)
        if scratch is None
        else (scratch.get("padded", len(arr) + _FIELD_WIDTH, np.uint8))
    )
    padded[: len(arr)] = arr
    padded[len(arr) :] = 0

    # The common case: exactly ten digits and nothing else.
    rows = np.flatnonzero(flen == 10)
    ten_chars = _items(padded, 10)[f_start[rows]].view(np.uint8).reshape(-1, 10)
    is_plain = ((ten_chars - np.uint8(ord("0"))) < 10).all(axis=1)
    plain_rows = rows[is_plain]
    plain = np.zeros(count, dtype=bool)
    plain[plain_rows] = True
    digits = np.zeros((count, 10), dtype=np.uint8)  # ASCII; 0 where not read here
    plain_digits = ten_chars[is_plain]
    digits[plain_rows] = plain_digits
    values[plain_rows] = plain_digits.astype(np.int64) @ _POWERS - _ZEROS
    decided[plain_rows] = True

    # Anything else short enough: classify its bytes, gather its digits in order.
    rows = np.flatnonzero(~plain & (flen > 0) & (flen <= _FIELD_WIDTH))
    if len(rows):
        chars = _items(padded, _FIELD_WIDTH)[f_start[rows]].view(np.uint8)
        chars = chars.reshape(-1, _FIELD_WIDTH)
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


def splice(
    arr: np.ndarray, ends: np.ndarray, suffix: np.ndarray, suffix_len: np.ndarray, scratch: Scratch
) -> np.ndarray:
    """`arr` with each suffix inserted at its record's end (`ends`, before the line terminator),
    in an array kept from the last chunk: every byte of `arr` and of `suffix` is moved once, by
    a mask of which output bytes are the input's (runs of each record's bytes and its suffix)."""
    count = len(ends)
    runs = np.empty(2 * count + 1, dtype=np.int64)
    runs[0] = ends[0]
    runs[2:-1:2] = np.diff(ends)
    runs[1::2] = suffix_len
    runs[-1] = len(arr) - ends[-1]
    pattern = np.zeros(2 * count + 1, dtype=bool)
    pattern[0::2] = True
    kept = np.repeat(pattern, runs)
    out = scratch.get("out", len(kept), np.uint8)
    out[kept] = arr
    out[np.logical_not(kept, out=kept)] = suffix
    return out
