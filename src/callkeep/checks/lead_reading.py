"""Reading a lead file as the csv module does, record by record with the exact bytes each spans,
and the file's bytes from the next record not yet scrubbed (hashed as they are read)."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from callkeep.checks import lead_formats
from callkeep.errors import InvalidInput


@dataclass
class Record:
    raw: bytes  # the exact bytes the record spans, terminator included
    fields: list[str]
    line: int  # the line it starts on


class Source:
    """The file being read, from the start of the next record not yet scrubbed: its bytes read
    so far (hashed as they come), and the line number where they start."""

    def __init__(self, stream: BinaryIO, chunk_bytes: int) -> None:
        self.stream = stream
        self.chunk_bytes = chunk_bytes
        self.sha = hashlib.sha256()
        self.read_bytes = 0
        self.buf = b""
        self.pos = 0
        self.eof = False
        self.line = 1

    def fill(self, size: int) -> bytes:
        """At least `size` bytes from the current position (fewer at the end of the file)."""
        if self.pos:
            self.buf, self.pos = self.buf[self.pos :], 0
        parts = [self.buf]
        have = len(self.buf)
        while have < size and not self.eof:
            more = self.stream.read(min(size - have, 64 << 20))
            if not more:
                self.eof = True
                break
            self.sha.update(more)
            self.read_bytes += len(more)
            parts.append(more)
            have += len(more)
        self.buf = b"".join(parts) if len(parts) > 1 else self.buf
        return self.buf

    def take(self, size: int, newlines: int) -> None:
        """Moves past `size` bytes holding `newlines` line feeds."""
        self.line += newlines
        self.pos += size

    def next_line(self) -> bytes | None:
        """The next line, its terminator included; None at the end of the file."""
        end = self.buf.find(b"\n", self.pos)
        while end < 0 and not self.eof:
            self.fill(len(self.buf) - self.pos + self.chunk_bytes)
            end = self.buf.find(b"\n", self.pos)
        stop = end + 1 if end >= 0 else len(self.buf)
        if stop == self.pos:
            return None
        line = self.buf[self.pos : stop]
        self.pos = stop
        self.line += 1
        return line

    @property
    def done(self) -> bool:
        return self.eof and self.pos >= len(self.buf)


def bad_line(line: int, message: str) -> InvalidInput:
    """The error for a line of the file that cannot be read."""
    return InvalidInput.for_field("file", f"line {line}: {message}")


def csv_records(
    source: Source, kind: lead_formats.Kind, width: int | None, at_least: int
) -> Iterator[Record]:
    """Records read by the csv module (the exact path), with the bytes each spans, until at
    least `at_least` bytes are read and a record ends; each bad line is an InvalidInput naming it.

    A record with another number of fields than `width`, a line that is not UTF-8, a quote
    never closed and the csv module's own complaints end the scrub.
    """
    consumed: list[bytes] = []

    def feed() -> Iterator[str]:
        while (raw := source.next_line()) is not None:
            consumed.append(raw)
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise bad_line(
                    source.line - 1,
                    f"not UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}); "
                    "save the file as 'CSV UTF-8'",
                ) from None

    dialect: dict[str, Any] = {"delimiter": kind.delimiter.decode()}
    if not kind.quoting:
        dialect["quoting"] = csv.QUOTE_NONE
    reader = csv.reader(feed(), **dialect)
    read = 0
    while True:
        line = source.line
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise bad_line(
                    line,
                    f"a field longer than {csv.field_size_limit():,} characters "
                    "(a quote that never closes?)",
                ) from None
            if "new-line character seen in unquoted field" in str(exc):
                raise bad_line(
                    source.line - 1,
                    "a carriage return (CR) alone in an unquoted field; lines end with LF or "
                    "CRLF (a file from an old Mac: save it as 'CSV UTF-8')",
                ) from None
            raise bad_line(source.line - 1, str(exc)) from None
        raw = b"".join(consumed)
        consumed.clear()
        read += len(raw)
        if kind.quoting and source.done and b'"' in raw and left_open(raw, dialect):
            raise bad_line(line, "a quoted field opened on this record never closes")
        if fields and width is not None and len(fields) != width:
            what = "the header has" if kind.has_header else "the first line has"
            raise bad_line(line, f"{len(fields)} fields where {what} {width}")
        yield Record(raw, fields, line)
        if read >= at_least:
            return


def left_open(raw: bytes, dialect: dict[str, Any]) -> bool:
    """Whether the file's last record ends inside a quoted field (the csv module, not strict,
    takes such a record as it is)."""
    try:
        list(csv.reader([raw.decode("utf-8")], strict=True, **dialect))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def is_utf8(block: bytes, size: int) -> bool:
    """Whether the first `size` bytes of `block` are UTF-8 (at once when the whole block is
    ASCII, without decoding it)."""
    if block.isascii():
        return True
    try:
        str(memoryview(block)[:size], "utf-8")
    except UnicodeDecodeError:
        return False
    return True
