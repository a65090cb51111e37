"""Scrubbing the rows of a lead file: a chunk of whole records planned by `record_bounds.plan`
(`scrub_chunk`), or a batch of records the csv module read (`scrub_batch`); each row's number
read, decided by the engine and its three columns appended to its original bytes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy.orm import Session

from callkeep.checks import engine, lead_reading, lines, record_bounds
from callkeep.checks.engine import BIT, Context
from callkeep.checks.peers import ListHits
from callkeep.phone.parse import try_normalize


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


def decide_rows(session: Session, ctx: Context, rows: lines.Rows, tally: Tally) -> np.ndarray:
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


def exact_number(text: str) -> tuple[int, str | None]:
    """(10-digit NANP value or -1, E.164 outside NANP or None) through libphonenumber."""
    e164 = try_normalize(text)
    if e164 is None:
        return -1, None
    if e164.startswith("+1") and len(e164) == 12:
        return int(e164[2:]), None
    return -1, e164


def scrub_chunk(
    block: bytes,
    plan: record_bounds.Plan,
    layout: record_bounds.Layout,
    session: Session,
    ctx: Context,
    tally: Tally,
    labels: lines.Labels,
    scratch: record_bounds.Scratch,
) -> bytes | memoryview:
    """Scrubs the whole records `plan` found at the start of `block`: the output bytes (an
    array in `scratch`, valid until the next chunk)."""
    if len(plan.ends) == 0:
        return block[: plan.cut]
    # the whole block: the bytes after the last record spare read_numbers a padded copy
    whole = np.frombuffer(block, dtype=np.uint8)
    values, fast, digits = lines.read_numbers(whole, plan.f_start, plan.f_end, scratch)
    empty = plan.f_end == plan.f_start
    others: dict[int, str] = {}
    for row in np.flatnonzero(~fast & ~empty).tolist():
        raw = block[int(plan.f_start[row]) : int(plan.f_end[row])]
        value, other = exact_number(layout.phone_text(raw, bool(plan.quoted[row])))
        values[row] = value
        if other is not None:
            others[row] = other
    rows = lines.Rows(values=values, others=others, digits=digits)
    bits = decide_rows(session, ctx, rows, tally)
    added = lines.suffixes(rows, bits, labels, scratch)
    return lines.splice(plan.arr, plan.ends, added, scratch).data


def scrub_batch(
    batch: list[lead_reading.Record],
    layout: record_bounds.Layout,
    session: Session,
    ctx: Context,
    tally: Tally,
    labels: lines.Labels,
) -> bytes:
    kept = [record.fields for record in batch if record.fields]
    values = np.full(len(kept), -1, dtype=np.int64)
    others: dict[int, str] = {}
    for row, fields in enumerate(kept):
        text = fields[layout.column] if layout.column < len(fields) else ""
        if not layout.quoting:  # as VICIdial's loader reads its lines
            text = text.replace('"', "").replace("'", "")
        values[row], other = exact_number(text) if text else (-1, None)
        if other is not None:
            others[row] = other
    rows = lines.Rows(values=values, others=others)
    bits = decide_rows(session, ctx, rows, tally) if len(kept) else np.zeros(0, dtype=np.uint16)
    if len(kept):
        added = lines.suffixes(rows, bits, labels)
        suffix, suffix_len = added.joined(), added.lengths
    else:
        suffix, suffix_len = np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.int64)
    pieces: list[bytes] = []
    offsets = np.concatenate((np.zeros(1, dtype=np.int64), np.cumsum(suffix_len)))
    suffix_bytes = suffix.astype(np.uint8).tobytes()
    row = 0
    for record in batch:
        raw = record.raw
        if not record.fields:
            pieces.append(raw)
            continue
        body = raw.rstrip(b"\r\n")
        pieces.append(body)
        pieces.append(suffix_bytes[offsets[row] : offsets[row + 1]])
        pieces.append(raw[len(body) :])
        row += 1
    return b"".join(pieces)
