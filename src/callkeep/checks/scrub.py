"""Bulk scrub: a lead file streamed in, each row decided by the engine, streamed out with
``callkeep_phone``, ``callkeep_status`` and ``callkeep_reasons`` appended to the original bytes.

Fast path: while the file has no quote characters, big binary chunks are split and the phone field
is read with numpy; a field of digits and ordinary punctuation holding a NANP number is decided
without libphonenumber (a table of valid NPA-NXX prefixes built from its metadata says which are
dialable; prefixes whose validity depends on later digits, and every other field, take the exact
path through `phone.parse.try_normalize`). From the first quote on, rows are read with the csv
module, keeping each record's original bytes.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
from sqlalchemy.orm import Session

from callkeep.checks import engine, lines, service
from callkeep.checks.engine import BIT, REASONS, Context
from callkeep.checks.models import ScrubRun
from callkeep.checks.peers import ListHits
from callkeep.checks.schemas import ListOut, ScrubSummary
from callkeep.errors import InvalidInput
from callkeep.ledger import service as ledger
from callkeep.phone.parse import try_normalize

CHUNK_BYTES = 8 << 20
SLOW_BATCH = 20_000
BOM = b"\xef\xbb\xbf"
ADDED_COLUMNS = b",callkeep_phone,callkeep_status,callkeep_reasons"
# Column names tried, in order, when none is named (compared lower-case, letters and digits only).
PHONE_COLUMN_GUESSES = (
    "phone",
    "phonenumber",
    "phone_number",
    "telephone",
    "telephonenumber",
    "mobile",
    "mobilephone",
    "mobilenumber",
    "cell",
    "cellphone",
    "cellnumber",
    "number",
    "tel",
    "phoneno",
    "primaryphone",
    "homephone",
    "contactnumber",
)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def find_phone_column(columns: list[str], wanted: str | None) -> int:
    """The index of the phone column: the one named (exactly, else ignoring case and
    punctuation), else the first common phone column name; InvalidInput naming the columns seen."""
    seen = ", ".join(repr(c) for c in columns) or "(none)"
    if wanted:
        if wanted in columns:
            return columns.index(wanted)
        normalized = [_norm(c) for c in columns]
        if _norm(wanted) in normalized:
            return normalized.index(_norm(wanted))
        raise InvalidInput.for_field(
            "phone_column", f"no column {wanted!r}; the file's columns are {seen}"
        )
    normalized = [_norm(c) for c in columns]
    for guess in PHONE_COLUMN_GUESSES:
        if _norm(guess) in normalized:
            return normalized.index(_norm(guess))
    raise InvalidInput.for_field(
        "phone_column",
        f"no phone column found (name it with --phone-column); the file's columns are {seen}",
    )


@dataclass
class Tally:
    """Counts kept while scrubbing."""

    rows: int = 0
    by_bits: dict[int, int] = field(default_factory=dict)
    lists: list[ListHits] | None = None

    def add(self, bits: np.ndarray) -> None:
        counts = np.bincount(bits)
        for value in np.flatnonzero(counts).tolist():
            self.by_bits[value] = self.by_bits.get(value, 0) + int(counts[value])
        self.rows += len(bits)


def _decide(session: Session, ctx: Context, rows: lines.Rows, tally: Tally) -> np.ndarray:
    """Reason bits per row (invalid_number where no number was read)."""
    values = rows.values
    bits = np.full(len(values), BIT["invalid_number"], dtype=np.uint16)
    nanp = np.flatnonzero(values >= 0)
    if len(nanp):
        verdicts = engine.judge_nanp(session=session, ctx=ctx, numbers=values[nanp])
        bits[nanp] = verdicts.bits
        if tally.lists is None:
            tally.lists = verdicts.lists
    for row, e164 in rows.others.items():
        bits[row] = engine.judge_other(ctx=ctx, e164=e164)[0]
    tally.add(bits)
    return bits


def _exact(text: str) -> tuple[int, str | None]:
    """(10-digit NANP value or -1, E.164 outside NANP or None) through libphonenumber."""
    e164 = try_normalize(text)
    if e164 is None:
        return -1, None
    if e164.startswith("+1") and len(e164) == 12:
        return int(e164[2:]), None
    return -1, e164


def _fast_chunk(
    block: bytes, column: int, session: Session, ctx: Context, tally: Tally, labels: lines.Labels
) -> bytes:
    """Scrubs a chunk of whole lines holding no quote character."""
    arr = np.frombuffer(block, dtype=np.uint8)
    newlines = np.flatnonzero(arr == 10)
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [len(arr)]))
    if starts[-1] == len(arr):  # the chunk ends with a newline: no last partial line
        starts, ends = starts[:-1], ends[:-1]
    cr = (ends > starts) & (arr[np.maximum(ends - 1, 0)] == 13)
    ends = ends - cr
    present = ends > starts  # blank lines pass through untouched
    starts, ends = starts[present], ends[present]
    count = len(starts)
    if count == 0:
        return block

    commas = np.flatnonzero(arr == 44)
    f_start, f_end = lines.field_bounds(commas, starts, ends, column)

    values, fast, digits = lines.read_numbers(arr, f_start, f_end)
    empty = f_end == f_start
    others: dict[int, str] = {}
    for row in np.flatnonzero(~fast & ~empty).tolist():
        text = block[int(f_start[row]) : int(f_end[row])].decode("utf-8", "replace")
        value, other = _exact(text)
        values[row] = value
        if other is not None:
            others[row] = other
    rows = lines.Rows(values=values, others=others, digits=digits)
    bits = _decide(session, ctx, rows, tally)
    return lines.join_lines(block, arr, ends, rows, bits, labels)


def _records(lines: Iterator[bytes]) -> Iterator[tuple[bytes, list[str]]]:
    """CSV records with the exact bytes each spans (quoted newlines included)."""
    consumed: list[bytes] = []

    def feed() -> Iterator[str]:
        for raw in lines:
            consumed.append(raw)
            yield raw.decode("utf-8", "replace")

    for fields in csv.reader(feed()):
        raw = b"".join(consumed)
        consumed.clear()
        yield raw, fields


def _slow_batch(
    batch: list[tuple[bytes, list[str]]],
    column: int,
    session: Session,
    ctx: Context,
    tally: Tally,
    labels: lines.Labels,
) -> bytes:
    kept = [(raw, fields) for raw, fields in batch if fields]
    values = np.full(len(kept), -1, dtype=np.int64)
    others: dict[int, str] = {}
    for row, (_, fields) in enumerate(kept):
        text = fields[column] if column < len(fields) else ""
        values[row], other = _exact(text) if text else (-1, None)
        if other is not None:
            others[row] = other
    rows = lines.Rows(values=values, others=others)
    bits = _decide(session, ctx, rows, tally) if len(kept) else np.zeros(0, dtype=np.uint16)
    if len(kept):
        suffix, suffix_len = lines.suffixes(rows, bits, labels)
    else:
        suffix, suffix_len = np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.int64)
    pieces: list[bytes] = []
    offsets = np.concatenate((np.zeros(1, dtype=np.int64), np.cumsum(suffix_len)))
    suffix_bytes = suffix.astype(np.uint8).tobytes()
    row = 0
    for raw, fields in batch:
        if not fields:
            pieces.append(raw)
            continue
        body = raw.rstrip(b"\r\n")
        pieces.append(body)
        pieces.append(suffix_bytes[offsets[row] : offsets[row + 1]])
        pieces.append(raw[len(body) :])
        row += 1
    return b"".join(pieces)


class _Hashing:
    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.sha = hashlib.sha256()
        self.read_bytes = 0

    def read(self, size: int) -> bytes:
        data = self.stream.read(size)
        self.sha.update(data)
        self.read_bytes += len(data)
        return data


def _lines(first: bytes, source: _Hashing) -> Iterator[bytes]:
    pending = first
    while True:
        more = source.read(CHUNK_BYTES)
        if more:
            pending += more
        parts = pending.split(b"\n")
        pending = parts.pop()
        for part in parts:
            yield part + b"\n"
        if not more:
            if pending:
                yield pending
            return


def scrub_stream(
    *,
    session: Session,
    ctx: Context,
    source: BinaryIO,
    out: BinaryIO,
    phone_column: str | None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Tally, str, str, str]:
    """Scrubs `source` into `out`; returns the tally, the phone column, and both SHA-256s."""
    reader = _Hashing(source)
    out_sha = hashlib.sha256()

    def write(data: bytes) -> None:
        out_sha.update(data)
        out.write(data)

    pending = reader.read(CHUNK_BYTES)
    if not pending.strip(BOM + b"\r\n\t "):
        raise InvalidInput.for_field("file", "the file is empty: no header line")
    head_end = pending.find(b"\n")
    while head_end < 0:
        more = reader.read(CHUNK_BYTES)
        if not more:
            head_end = len(pending)
            break
        pending += more
        head_end = pending.find(b"\n")
    header = pending[:head_end]
    rest = pending[head_end + 1 :] if head_end < len(pending) else b""
    header_body = header[:-1] if header.endswith(b"\r") else header
    text = header_body[len(BOM) :] if header_body.startswith(BOM) else header_body
    try:
        columns = next(csv.reader([text.decode("utf-8")]), [])
    except (UnicodeDecodeError, csv.Error):
        raise InvalidInput.for_field("file", "the header line is not UTF-8 CSV") from None
    column = find_phone_column(columns, phone_column)
    terminator = header[len(header_body) :] + b"\n" if head_end < len(pending) else b""
    write(header_body + ADDED_COLUMNS + terminator)

    tally = Tally()
    labels = lines.Labels()
    while True:
        if b'"' in rest:
            break
        more = reader.read(CHUNK_BYTES)
        block = rest + more
        if not more:
            if block:
                if b'"' in block:
                    rest = block
                    break
                write(_fast_chunk(block, column, session, ctx, tally, labels))
            rest = b""
            break
        cut = block.rfind(b"\n") + 1
        if cut == 0:
            rest = block
            continue
        if b'"' in block[:cut]:
            rest = block
            break
        write(_fast_chunk(block[:cut], column, session, ctx, tally, labels))
        rest = block[cut:]
        if progress is not None:
            progress(reader.read_bytes)
    if rest:
        batch: list[tuple[bytes, list[str]]] = []
        for record in _records(_lines(rest, reader)):
            batch.append(record)
            if len(batch) >= SLOW_BATCH:
                write(_slow_batch(batch, column, session, ctx, tally, labels))
                batch = []
                if progress is not None:
                    progress(reader.read_bytes)
        if batch:
            write(_slow_batch(batch, column, session, ctx, tally, labels))
    if progress is not None:
        progress(reader.read_bytes)
    return tally, columns[column], reader.sha.hexdigest(), out_sha.hexdigest()


def reason_counts(tally: Tally) -> dict[str, int]:
    """Rows per reason code (a row blocked for two reasons counts under both)."""
    counts = {code: 0 for code in REASONS}
    for bits, n in tally.by_bits.items():
        for code in engine.codes_of(bits):
            counts[code] += n
    return {code: n for code, n in counts.items() if n}


def scrub_file(
    *,
    session: Session,
    actor: str,
    source: BinaryIO,
    source_name: str,
    out_path: Path,
    phone_column: str | None,
    seller: str | None,
    campaign: str | None,
    at: str | None,
    progress: Callable[[int], None] | None = None,
) -> ScrubSummary:
    """Scrubs a lead file into `out_path` and stores one ScrubRun record of it."""
    ctx = service.context(session=session, seller=seller, campaign=campaign, at=at, phones=None)
    with out_path.open("wb", buffering=1 << 20) as out:
        tally, column, in_sha, out_sha = scrub_stream(
            session=session,
            ctx=ctx,
            source=source,
            out=out,
            phone_column=phone_column,
            progress=progress,
        )
    allowed = tally.by_bits.get(0, 0)
    invalid = tally.by_bits.get(BIT["invalid_number"], 0)
    lists = [ListOut(list=a.list, version=a.version, hit=False) for a in tally.lists or []]
    reasons = reason_counts(tally)
    run = ledger.record(
        session=session,
        actor=actor,
        entity=ScrubRun(
            recorded_by=actor,
            input_name=source_name[:300],
            input_sha256=in_sha,
            output_sha256=out_sha,
            phone_column=column[:200],
            rows=tally.rows,
            allowed=allowed,
            blocked=tally.rows - allowed - invalid,
            invalid=invalid,
            reason_counts=json.dumps(reasons, sort_keys=True),
            lists=json.dumps(
                [{"list": a.list, "version": a.version} for a in lists], sort_keys=True
            ),
            rules_version=ctx.rules_version,
            seller_id=ctx.seller.id,
            seller_slug=ctx.seller.slug,
            campaign_id=ctx.campaign.id if ctx.campaign else None,
            campaign_slug=ctx.campaign.slug if ctx.campaign else None,
            at=ctx.at,
        ),
    )
    return ScrubSummary(
        scrub_id=run.id,
        rows=tally.rows,
        allowed=allowed,
        blocked=tally.rows - allowed - invalid,
        invalid=invalid,
        reasons=reasons,
        phone_column=column,
        input_sha256=in_sha,
        output_sha256=out_sha,
        rules_version=ctx.rules_version,
        lists=lists,
    )
