"""Bulk scrub: a lead file streamed in, each row decided by the engine, streamed out with
``callkeep_phone``, ``callkeep_status`` and ``callkeep_reasons`` appended to the original bytes.

Fast path: big binary chunks are split into records and fields with numpy (`record_bounds.plan`; quoted
fields included, by the parity of the quotes), and the phone field is read with numpy; a field of
digits and ordinary punctuation holding a NANP number is decided without libphonenumber (a table
of valid NPA-NXX prefixes built from its metadata says which are dialable; prefixes whose validity
depends on later digits, and every other field, take the exact path through
`phone.parse.try_normalize`). A stretch `record_bounds.plan` cannot read exactly, and every bad line, are
read with the csv module (`lead_reading`), keeping each record's original bytes; the two paths are
held equal by property tests. Formats: `lead_formats`; the phone column: `lead_columns`; each
chunk's or batch's rows: `scrub_rows`; this module streams the file and keeps the scrub's record.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

from sqlalchemy.orm import Session

from callkeep.checks import engine, lead_formats, lead_reading, lines, record_bounds, service
from callkeep.checks.engine import BIT, REASONS, Context
from callkeep.checks.lead_columns import find_phone_column as find_phone_column  # its interface
from callkeep.checks.models import ScrubRun
from callkeep.checks.schemas import ListOut, ScrubSummary
from callkeep.checks.scrub_rows import Tally, scrub_batch, scrub_chunk
from callkeep.errors import InvalidInput
from callkeep.ledger import service as ledger
from callkeep.lists.index import fsync_dir

CHUNK_BYTES = 1 << 20  # bytes read and planned at a time: a chunk's arrays stay in the caches
SYNC_BYTES = 16 << 20  # output put on disk (and out of the page cache) at a time
_DATASYNC = getattr(os, "fdatasync", os.fsync)
SLOW_BATCH = 20_000
BOM = lead_formats.BOM


class _Output:
    """The output, hashed and written in order on a thread of its own: both release the GIL, so
    the kernel's copy of one chunk into the file overlaps the scrub of the next. A chunk's bytes
    may be a view of its scratch arrays, which `reusable` waits for before they are used again.

    Written to a file, the output is put on disk every `SYNC_BYTES` and those bytes dropped from
    the page cache: a scrub holds a few megabytes of it in memory whatever the file's size (not
    pushing the registry's index out), and its pages are used again instead of new ones. By
    `finish` every byte is on disk, before the scrub's record names the file."""

    def __init__(self, out: BinaryIO, pool: ThreadPoolExecutor) -> None:
        self.sha = hashlib.sha256()
        self._out = out
        self._fd = _descriptor(out)
        self._written = 0  # bytes handed to the file
        self._synced = 0  # of those, the bytes on disk
        self._pool = pool
        self._last: Future[None] | None = None
        self._refused: BaseException | None = None
        self._pending: dict[int, Future[None]] = {}  # a scratch's id: the write of its bytes

    def _write(self, data: bytes | memoryview) -> None:
        if self._refused is not None:  # nothing after a gap, and every later write says why
            raise self._refused
        try:
            self._out.write(data)
            self._written += len(data)
            if self._fd is not None and self._written - self._synced >= SYNC_BYTES:
                self._sync(drop=True)
        except BaseException as exc:
            self._refused = exc
            raise
        self.sha.update(data)

    def _sync(self, *, drop: bool) -> None:
        """Puts what was written on disk; with `drop`, out of the page cache too."""
        assert self._fd is not None
        self._out.flush()
        _DATASYNC(self._fd)
        if drop and hasattr(os, "posix_fadvise"):
            unsynced = self._written - self._synced
            os.posix_fadvise(self._fd, self._synced, unsynced, os.POSIX_FADV_DONTNEED)
        self._synced = self._written

    def write(self, data: bytes | memoryview, scratch: record_bounds.Scratch | None = None) -> None:
        self._last = self._pool.submit(self._write, data)
        if scratch is not None:
            self._pending[id(scratch)] = self._last

    def reusable(self, scratch: record_bounds.Scratch) -> record_bounds.Scratch:
        """`scratch`, once every byte of it handed to `write` is written."""
        pending = self._pending.pop(id(scratch), None)
        if pending is not None:
            pending.result()
        return scratch

    def finish(self) -> str:
        """Waits for every write (raising a write's error) and, for a file, puts it all on disk;
        the output's SHA-256."""
        if self._last is not None:
            self._last.result()
        if self._fd is not None:
            self._sync(drop=False)
        return self.sha.hexdigest()


def _descriptor(out: BinaryIO) -> int | None:
    """The file descriptor under `out`, or None when it is not a file (a buffer in memory)."""
    try:
        return out.fileno()
    except (AttributeError, io.UnsupportedOperation):
        return None


@contextmanager
def _output(out: BinaryIO) -> Iterator[_Output]:
    """An `_Output` of `out`; on leaving, even by an error, no write of it is still running."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="scrub-output") as pool:
        yield _Output(out, pool)


@dataclass(frozen=True)
class Scrubbed:
    """What one scrub did: its tally, the phone column, both files' SHA-256 and the format."""

    tally: Tally
    phone_column: str
    input_sha256: str
    output_sha256: str
    file_format: str


def _layout(
    source: lead_reading.Source, kind: lead_formats.Kind, phone_column: str | None
) -> tuple[record_bounds.Layout, str, bytes]:
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
        layout = record_bounds.Layout(kind.delimiter, kind.quoting, column, len(columns))
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
    return record_bounds.Layout(kind.delimiter, False, column, width), wanted, b""


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

    Text files are read in chunks of whole records found by `record_bounds.plan`; a stretch it cannot
    read exactly (a stray quote, a record longer than a chunk) and every bad line go through the
    csv module, which then says what is wrong and where.
    """
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
    with _output(out) as output:
        output.write(header)
        tally = _scrub_records(session, ctx, reader, kind, layout, output, progress)
        output_sha = output.finish()
    return Scrubbed(tally, column_name, reader.sha.hexdigest(), output_sha, kind.file_format)


def _scrub_records(
    session: Session,
    ctx: Context,
    reader: lead_reading.Source,
    kind: lead_formats.Kind,
    layout: record_bounds.Layout,
    output: _Output,
    progress: Callable[[int], None] | None,
) -> Tally:
    """Every record after the header into `output`. Chunks take turns on two sets of scratch
    arrays, so that one chunk is scrubbed while the one before it is written."""
    tally = Tally()
    labels = lines.Labels(kind.delimiter)
    limit = csv.field_size_limit()
    scratches = (record_bounds.Scratch(), record_bounds.Scratch())
    turn = 0
    while True:
        block = reader.fill(CHUNK_BYTES)
        if reader.pos >= len(block):
            break
        scratch = output.reusable(scratches[turn])
        turn ^= 1
        plan = record_bounds.plan(block, layout, reader.eof, limit, scratch)
        if plan is not None and lead_reading.is_utf8(block, plan.cut):
            chunk = scrub_chunk(block, plan, layout, session, ctx, tally, labels, scratch)
            output.write(chunk, scratch)
            reader.take(plan.cut, plan.newlines)
        else:  # the csv module reads at least this chunk, and says what is wrong in it
            batch: list[lead_reading.Record] = []
            for record in lead_reading.csv_records(reader, kind, layout.width, len(block)):
                batch.append(record)
                if len(batch) >= SLOW_BATCH:
                    output.write(scrub_batch(batch, layout, session, ctx, tally, labels))
                    batch = []
            output.write(scrub_batch(batch, layout, session, ctx, tally, labels))
        if progress is not None:
            progress(reader.read_bytes)
    return tally


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
    written = temp  # the name the output is under
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
        written = temp.replace(out_path)
        fsync_dir(out_path.parent)  # the name too is on disk before the record is committed
    except BaseException:
        written.unlink(missing_ok=True)
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
