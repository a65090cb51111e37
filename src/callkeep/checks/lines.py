"""Raw lead-file records as numpy bytes: finding record and field boundaries for a whole chunk at
once, reading NANP numbers from a field without libphonenumber where that is exact, and appending
the three callkeep columns to each record.

Quoted fields (RFC 4180, as CRMs and Excel write them) are found as vectorised CSV parsers do: a
byte is inside quotes when an odd number of quote characters precede it in the chunk (a doubled
quote toggles twice), so delimiters and newlines at even parity are the structural ones. That is
exact only while every quote opens a field or closes one (or is doubled inside one); `plan`
checks that for the whole chunk and otherwise leaves the chunk to the csv module.
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

QUOTE, LF, CR = ord('"'), ord("\n"), ord("\r")
# Stands in for a newline inside a quoted field while records are split at newlines; it never
# occurs in UTF-8, and chunks are checked to be UTF-8 before they are planned.
MASK = 0xFF


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
    d = labels.delimiter[0]
    matrix[:, 0] = d
    mask[:, 0] = True
    matrix[:, 1:17] = phone
    mask[:, 1:17] = np.arange(16) < phone_len[:, None]
    matrix[:, 17] = d
    mask[:, 17] = True
    matrix[:, 18:] = table[label_of]
    mask[:, 18:] = np.arange(table.shape[1]) < table_len[label_of][:, None]
    return matrix[mask], mask.sum(axis=1)


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
    arr: np.ndarray  # those bytes, each newline inside a quoted field replaced by MASK
    masked: bool  # whether any newline was replaced
    separator: bytes | None  # b"\r\n" or b"\n" when every record ends alike, else None
    lines: int  # records and blank lines (the pieces `separator` splits the bytes into)
    line_of: np.ndarray  # the piece each non-blank record is
    ends: np.ndarray  # each non-blank record's end, before its line terminator
    f_start: np.ndarray  # the phone field of each non-blank record (inside its quotes)
    f_end: np.ndarray
    quoted: np.ndarray  # whether that field was quoted


def plan(block: bytes, layout: Layout, eof: bool, limit: int) -> Plan | None:
    """The whole records at the start of `block` (which starts where a record does), found for
    the whole chunk at once; None when the csv module must read this stretch instead.

    That is when a quote neither opens a field nor closes one (nor is doubled inside one), a
    carriage return stands alone outside quotes, no record ends in the block (before the end of
    the file), a quote is left open at the end of the file, a record holds another number of
    fields than `layout.width`, or one is longer than `limit` (the csv module's field limit):
    the csv module then reads the same bytes and says what is wrong, so both paths agree.

    The parity of the quotes up to each byte is one running XOR over the chunk; the
    delimiters, CRs and LFs are found with one comparison each over the bytes and kept where
    that parity is even (a gather over the few found, not another pass over the chunk).
    """
    arr = np.frombuffer(block, dtype=np.uint8)
    size = len(arr)
    d = layout.delimiter[0]
    quoting = layout.quoting and b'"' in block
    if quoting:
        is_quote = arr == QUOTE
        parity = np.bitwise_xor.accumulate(is_quote.view(np.uint8))  # 1: inside quotes
    every_lf = np.flatnonzero(arr == LF)
    if quoting:
        structural = parity[every_lf] == 0
        newlines, inner_at = every_lf[structural], every_lf[~structural]
    else:
        newlines, inner_at = every_lf, every_lf[:0]
    if eof:
        cut = size
    elif len(newlines):
        cut = int(newlines[-1]) + 1
    else:
        return None
    if cut < size:
        arr = arr[:cut]
    inner_at = inner_at[inner_at < cut]  # the newlines inside quoted fields
    inner_count = len(inner_at)
    has_cr = b"\r" in block
    masked = False
    if quoting:
        quotes = np.flatnonzero(is_quote[:cut])
        if len(quotes) % 2:
            return None  # left open at the end of the file
        opens, closes = quotes[0::2], quotes[1::2]
        before = arr[np.maximum(opens - 1, 0)]
        after = arr[np.minimum(closes + 1, cut - 1)]
        if not (
            ((opens == 0) | (before == d) | (before == LF) | (before == QUOTE)).all()
            and (
                (closes + 1 == cut)
                | (after == d)
                | (after == LF)
                | (after == CR)
                | (after == QUOTE)
            ).all()
        ):
            return None
        if inner_count:
            arr = arr.copy()
            arr[inner_at] = MASK
            masked = True
    delimiters = np.flatnonzero(arr == d)
    if quoting:
        delimiters = delimiters[parity[delimiters] == 0]
    starts = np.concatenate((np.zeros(1, dtype=np.int64), newlines + 1))
    ends = np.concatenate((newlines, np.array([cut], dtype=np.int64)))
    if starts[-1] == cut:  # the block ends with a newline: no last partial record
        starts, ends = starts[:-1], ends[:-1]
    lines = len(newlines) + 1
    crlf = (ends > starts) & (arr[np.maximum(ends - 1, 0)] == CR)
    # a CR outside quotes ends its line: it is the CR before a record's LF (or the file's end)
    if has_cr and _outside(np.flatnonzero(arr == CR), parity if quoting else None) != int(
        np.count_nonzero(crlf)
    ):
        return None
    crlf_count = int(np.count_nonzero(crlf[: len(newlines)]))
    separator = b"\r\n" if crlf_count == len(newlines) else b"\n" if crlf_count == 0 else None
    ends = ends - crlf
    present = ends > starts  # blank lines pass through untouched
    line_of = np.flatnonzero(present)
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
        and not ((delimiters[base] > starts).all() and (delimiters[base + per - 1] < ends).all())
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
        newlines=len(newlines) + inner_count,
        arr=arr,
        masked=masked,
        separator=separator,
        lines=lines,
        line_of=line_of,
        ends=ends,
        f_start=f_start,
        f_end=f_end,
        quoted=quoted,
    )


def _outside(at: np.ndarray, parity: np.ndarray | None) -> int:
    """How many of the positions `at` lie outside quotes."""
    return len(at) if parity is None else int(np.count_nonzero(parity[at] == 0))


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
    """Per row, the appended phone piece (``,+1NNNNNNNNNN,`` with the file's delimiter) and status-and-reasons text
    followed by `end` (the line terminator)."""
    count = len(bits)
    d = labels.delimiter
    matrix = np.empty((count, 15), dtype=np.uint8)
    matrix[:, 0] = d[0]
    matrix[:, 1] = ord("+")
    matrix[:, 2] = ord("1")
    if rows.digits is not None:
        matrix[:, 3:13] = rows.digits
        late = np.flatnonzero((rows.values >= 0) & (rows.digits[:, 0] == 0))
        matrix[late, 3:13] = ((rows.values[late, None] // _POWERS) % 10).astype(np.uint8) + 48
    else:
        positive = np.maximum(rows.values, 0)[:, None]
        matrix[:, 3:13] = ((positive // _POWERS) % 10).astype(np.uint8) + 48
    matrix[:, 13] = d[0]
    matrix[:, 14] = ord("\n")
    phones = matrix.tobytes().split(b"\n")[:count]
    for row in np.flatnonzero(rows.values < 0).tolist():
        phones[row] = d + rows.others.get(row, "").encode() + d
    table = np.empty(int(bits.max()) + 1 if count else 1, dtype=object)
    for value in np.flatnonzero(np.bincount(bits)).tolist():
        table[value] = labels.text(value) + end
    return phones, list(table[bits].tolist())


def join_lines(body: bytes, plan: Plan, rows: Rows, bits: np.ndarray, labels: Labels) -> bytes:
    """`body` (the planned bytes) with each record's columns appended at its end, before its
    line terminator.

    When every record ends alike (all CRLF or all LF) lines are split and joined by bytes
    methods in C; otherwise the bytes are moved with numpy.
    """
    separator = plan.separator
    pieces = body.split(separator) if separator else []
    if not separator or len(pieces) != plan.lines:
        suffix, suffix_len = suffixes(rows, bits, labels)
        return splice(plan.arr, plan.ends, suffix, suffix_len).tobytes()
    # each text ends with the terminator: three pieces a line, the last one's terminator cut
    phones, texts = row_texts(rows, bits, labels, separator)
    count = len(pieces)
    if len(phones) == count or (len(phones) == count - 1 and pieces[-1] == b""):
        if len(phones) < count:
            phones.append(b"")
            texts.append(b"")
    else:  # blank lines: they get nothing appended
        all_phones: list[bytes] = [b""] * count
        all_texts: list[bytes] = [separator] * count
        for k, line in enumerate(plan.line_of.tolist()):
            all_phones[line] = phones[k]
            all_texts[line] = texts[k]
        phones, texts = all_phones, all_texts
    texts[-1] = texts[-1][: -len(separator)]
    parts: list[bytes] = [b""] * (3 * count)
    parts[0::3] = pieces
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
