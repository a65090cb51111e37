"""Bulk scrub: a lead file streamed in, each row decided by the engine, streamed out with
``callkeep_phone``, ``callkeep_status`` and ``callkeep_reasons`` appended to the original bytes.

Fast path: big binary chunks are split into records and fields with numpy (`lines.plan`; quoted
fields included, by the parity of the quotes), and the phone field is read with numpy; a field of
digits and ordinary punctuation holding a NANP number is decided without libphonenumber (a table
of valid NPA-NXX prefixes built from its metadata says which are dialable; prefixes whose validity
depends on later digits, and every other field, take the exact path through
`phone.parse.try_normalize`). A stretch `lines.plan` cannot read exactly, and every bad line, are
read with the csv module (`lead_reading`), keeping each record's original bytes; the two paths are
held equal by property tests. Formats: `lead_formats`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, cast

import numpy as np
from sqlalchemy.orm import Session

from callkeep.checks import engine, lead_formats, lead_reading, lines, service
from callkeep.checks.engine import BIT, REASONS, Context
from callkeep.checks.models import ScrubRun
from callkeep.checks.peers import ListHits
from callkeep.checks.schemas import ListOut, ScrubSummary
from callkeep.errors import InvalidInput
from callkeep.ledger import service as ledger
from callkeep.phone.parse import try_normalize

CHUNK_BYTES = 8 << 20
SLOW_BATCH = 20_000
BOM = lead_formats.BOM
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


@dataclass(frozen=True)
class Scrubbed:
    """What one scrub did: its tally, the phone column, both files' SHA-256 and the format."""

    tally: Tally
    phone_column: str
    input_sha256: str
    output_sha256: str
    file_format: str


def _fast_chunk(
    block: bytes,
    plan: lines.Plan,
    layout: lines.Layout,
    session: Session,
    ctx: Context,
    tally: Tally,
    labels: lines.Labels,
) -> bytes:
    """Scrubs the whole records `plan` found at the start of `block`."""
    if len(plan.ends) == 0:
        return block[: plan.cut]
    values, fast, digits = lines.read_numbers(plan.arr, plan.f_start, plan.f_end)
    empty = plan.f_end == plan.f_start
    others: dict[int, str] = {}
    for row in np.flatnonzero(~fast & ~empty).tolist():
        raw = block[int(plan.f_start[row]) : int(plan.f_end[row])]
        value, other = _exact(layout.phone_text(raw, bool(plan.quoted[row])))
        values[row] = value
        if other is not None:
            others[row] = other
    rows = lines.Rows(values=values, others=others, digits=digits)
    bits = _decide(session, ctx, rows, tally)
    body = plan.arr.tobytes() if plan.masked else block[: plan.cut]
    joined = lines.join_lines(body, plan, rows, bits, labels)
    return joined.replace(bytes([lines.MASK]), b"\n") if plan.masked else joined


def _slow_batch(
    batch: list[lead_reading.Record],
    layout: lines.Layout,
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


def _layout(
    source: lead_reading.Source, kind: lead_formats.Kind, phone_column: str | None
) -> tuple[lines.Layout, str, bytes]:
    """The layout of a text lead file, the phone column's name, and the header line to write
    (the header read from `source`, or nothing for VICIdial's files, which have none)."""
    if kind.has_header:
        header = next(lead_reading.csv_records(source, kind, None, 0), None)
        if header is None or not header.fields:
            raise lead_reading.bad_line(1, "blank; the first line must name the columns")
        columns = [header.fields[0].removeprefix("\ufeff"), *header.fields[1:]]
        column = find_phone_column(columns, phone_column)
        body = header.raw.rstrip(b"\r\n")
        d = kind.delimiter
        added = d + d.join((b"callkeep_phone", b"callkeep_status", b"callkeep_reasons"))
        layout = lines.Layout(kind.delimiter, kind.quoting, column, len(columns))
        return layout, columns[column], body + added + header.raw[len(body) :]
    line = lead_formats.first_line(source.fill(CHUNK_BYTES))
    width = len(line.split(kind.delimiter))
    names = lead_formats.VICIDIAL_COLUMNS
    wanted = phone_column or names[lead_formats.VICIDIAL_PHONE]
    if wanted not in names:
        raise InvalidInput.for_field(
            "phone_column",
            f"no column {wanted!r} in VICIdial's lead file; one of {', '.join(names)}",
        )
    column = names.index(wanted)
    if column >= width:
        raise lead_reading.bad_line(
            1, f"{width} fields; VICIdial's lead file has {wanted} in field {column + 1}"
        )
    return lines.Layout(kind.delimiter, False, column, width), wanted, b""


def scrub_stream(
    *,
    session: Session,
    ctx: Context,
    source: BinaryIO,
    out: BinaryIO,
    phone_column: str | None,
    file_format: str = "auto",
    name: str = "",
    progress: Callable[[int], None] | None = None,
) -> Scrubbed:
    """Scrubs `source` into `out`; says what it did.

    Text files are read in chunks of whole records found by `lines.plan`; a stretch it cannot
    read exactly (a stray quote, a record longer than a chunk) and every bad line go through the
    csv module, which then says what is wrong and where.
    """
    out_sha = hashlib.sha256()

    def write(data: bytes) -> None:
        out_sha.update(data)
        out.write(data)

    reader = lead_reading.Source(source, CHUNK_BYTES)
    head = reader.fill(CHUNK_BYTES)
    while b"\n" not in head and not reader.eof:  # the first line, whole, tells the format
        head = reader.fill(len(head) + CHUNK_BYTES)
    if not head.strip(BOM + b"\r\n\t "):
        raise InvalidInput.for_field("file", "the file is empty: no header line")
    kind = lead_formats.detect(head, name, file_format, _names_a_phone(phone_column))
    if kind.file_format == "xlsx":
        reader.fill(1 << 62)  # a workbook is read whole (a zip file's index is at its end)
        converted = scrub_stream(
            session=session,
            ctx=ctx,
            source=cast(BinaryIO, lead_formats.workbook_as_csv(io.BytesIO(reader.buf))),
            out=out,
            phone_column=phone_column,
            file_format="csv",
            progress=None,
        )
        if progress is not None:
            progress(reader.read_bytes)
        return Scrubbed(
            converted.tally,
            converted.phone_column,
            reader.sha.hexdigest(),
            converted.output_sha256,
            "xlsx",
        )

    layout, column_name, header = _layout(reader, kind, phone_column)
    write(header)
    tally = Tally()
    labels = lines.Labels(kind.delimiter)
    limit = csv.field_size_limit()
    while True:
        block = reader.fill(CHUNK_BYTES)
        if reader.pos >= len(block):
            break
        plan = lines.plan(block, layout, reader.eof, limit)
        if plan is not None and lead_reading.is_utf8(block, plan.cut):
            write(_fast_chunk(block, plan, layout, session, ctx, tally, labels))
            reader.take(plan.cut, plan.newlines)
        else:  # the csv module reads at least this chunk, and says what is wrong in it
            batch: list[lead_reading.Record] = []
            for record in lead_reading.csv_records(reader, kind, layout.width, len(block)):
                batch.append(record)
                if len(batch) >= SLOW_BATCH:
                    write(_slow_batch(batch, layout, session, ctx, tally, labels))
                    batch = []
            write(_slow_batch(batch, layout, session, ctx, tally, labels))
        if progress is not None:
            progress(reader.read_bytes)
    return Scrubbed(
        tally, column_name, reader.sha.hexdigest(), out_sha.hexdigest(), kind.file_format
    )


def _names_a_phone(phone_column: str | None) -> Callable[[list[str]], bool]:
    def names(columns: list[str]) -> bool:
        try:
            find_phone_column(columns, phone_column)
        except InvalidInput:
            return False
        return True

    return names


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
    file_format: str = "auto",
    progress: Callable[[int], None] | None = None,
) -> ScrubSummary:
    """Scrubs a lead file into `out_path` and stores one ScrubRun record of it.

    The output is written under a temporary name in the same folder (mode 0600: it holds
    personal data) and renamed to `out_path` once the scrub is recorded; when the scrub fails,
    nothing is left behind under either name.
    """
    ctx = service.context(session=session, seller=seller, campaign=campaign, at=at, phones=None)
    handle, temp_name = tempfile.mkstemp(
        dir=out_path.parent, prefix=f".{out_path.name}.", suffix=".part"
    )
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb", buffering=1 << 20) as out:
            scrubbed = scrub_stream(
                session=session,
                ctx=ctx,
                source=source,
                out=out,
                phone_column=phone_column,
                file_format=file_format,
                name=source_name,
                progress=progress,
            )
        summary = _record(session, actor, ctx, source_name, scrubbed)
        temp.replace(out_path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return summary


def _record(
    session: Session,
    actor: str,
    ctx: Context,
    source_name: str,
    scrubbed: Scrubbed,
) -> ScrubSummary:
    """The scrub's evidence record, stored through the ledger, and its summary."""
    tally, column = scrubbed.tally, scrubbed.phone_column
    in_sha, out_sha = scrubbed.input_sha256, scrubbed.output_sha256
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
        file_format=scrubbed.file_format,
    )
