"""Writing a package's sections to disk as they stream from the database, a chunk at a time.

Each section is a CSV (its header written first, so an empty section still names its columns)
and its records' lines in ``records.jsonl``: canonical content, the newest ledger entry about the
record, and that entry's inclusion proof in the ledger's Merkle tree (`ledger.proof_blocks`).
Rows are read by SQLAlchemy Core as plain rows of the needed columns (no ORM objects), in
chunks of `CHUNK`, with the instants as the driver gives them: each chunk's column of instants
is turned into ISO text at once (`package_cells.stored_instants`) rather than typed as an aware
datetime value by value. The chunk's cells and contents are made a column at a time
(`package_cells`), written with one `writerows`, and every file's SHA-256 is taken as it is
written, so nothing is read twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy import ColumnElement, DateTime, Select, String, func, inspect, select, type_coerce
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from callkeep.kit.clock import iso
from callkeep.kit.db import UTCDateTime
from callkeep.ledger.models import LedgerEntry, Recorded
from callkeep.ledger.proof_blocks import LedgerProofs
from callkeep.reports.package_cells import INSTANTS, column_cells_and_contents, stored_instants
from callkeep.reports.package_zip import ZipEntrySink
from callkeep.reports.sections import columns_of

CHUNK = 2000
RECORDS = "records.jsonl"


class _Sink:
    """A new file only its owner may read (it holds personal data), hashed as it is written."""

    def __init__(self, path: Path) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self.handle: IO[bytes] = os.fdopen(fd, "wb", buffering=1 << 20)
        self.sha = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.sha.update(data)


Typing = Callable[[Sequence[Any]], Sequence[Any]]


def _as_stored(column: Any, connection: Connection) -> tuple[ColumnElement[Any], Typing | None]:
    """`column` to be read as its driver gives it, and how to type a chunk's column of it (None
    if the driver's value is the typed one, or SQLAlchemy types it itself)."""
    if not isinstance(column.type, UTCDateTime):
        return column, None
    dialect = connection.dialect
    typed = column.type.dialect_impl(dialect).result_processor(dialect, None)
    assert typed is not None  # a type decorator always types what it reads
    sqlite = dialect.name == "sqlite"
    stored = type_coerce(column, String() if sqlite else DateTime())

    def typing(values: Sequence[Any]) -> Sequence[Any]:
        return stored_instants(values, sqlite, typed)

    return stored, typing


def _columns(rows: Sequence[Any], typings: Sequence[Typing | None]) -> list[Sequence[Any]]:
    """The rows of a chunk as its columns, each typed."""
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True)) if rows else [()] * len(typings)
    for i, typing in enumerate(typings):
        if typing is not None:
            columns[i] = typing(columns[i])
    return columns


class Chunk:
    """The records of one chunk as written: its columns in the section's order (instants as
    their ISO text, or as datetimes if not of the usual shape)."""

    def __init__(self, names: list[str], columns: list[Sequence[Any]]) -> None:
        self.names = names
        self.columns = columns

    def values(self, name: str) -> Sequence[Any]:
        """One column of the chunk."""
        return self.columns[self.names.index(name)]

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0


class PackageWriter:
    """The package's files under `folder`, written section by section."""

    def __init__(
        self, folder: Path, proofs: LedgerProofs, records_into: ZipEntrySink | None = None
    ) -> None:
        """`records_into`: where ``records.jsonl`` goes straight into the zip; without it, a
        file in `folder` like the others."""
        self.folder = folder
        self.proofs = proofs
        self.files: dict[str, Path] = {}
        self.hashes: dict[str, str] = {}
        self.counts: dict[str, int] = {}
        self.columns: dict[str, list[str]] = {}
        self.records = 0
        self._csv: dict[str, _Sink] = {}
        self._ids: dict[str, set[str]] = {}
        self._jsonl: _Sink | ZipEntrySink
        if records_into is None:
            self.files[RECORDS] = folder / RECORDS
            self._jsonl = _Sink(self.files[RECORDS])
        else:
            self._jsonl = records_into

    def _section(self, name: str, model: type[Recorded]) -> _Sink:
        found = self._csv.get(name)
        if found is None:
            file_name = f"{name}.csv"
            self.files[file_name] = self.folder / file_name
            found = self._csv[name] = _Sink(self.files[file_name])
            self.columns[file_name] = columns_of(model)
            self._write_csv(found, [self.columns[file_name]])
            self.counts.setdefault(name, 0)
        return found

    @staticmethod
    def _write_csv(sink: _Sink, rows: Iterable[Iterable[Any]]) -> None:
        text = io.StringIO(newline="")
        csv.writer(text, lineterminator="\r\n").writerows(rows)
        sink.write(text.getvalue().encode("utf-8"))

    def _entries(
        self, connection: Connection, table: str, ids: Sequence[str]
    ) -> dict[str, tuple[Any, ...]]:
        """The newest ledger entry about each record, its instant as ISO text or a datetime."""
        e = LedgerEntry
        newest = (
            select(func.max(e.seq))
            .where(e.entity_type == table, e.entity_id.in_(ids))
            .group_by(e.entity_id)
        )
        at, typing = _as_stored(e.__table__.c.at, connection)
        rows = connection.execute(
            select(e.entity_id, e.action, e.actor, at, e.digest, e.hash, e.prev_hash, e.seq).where(
                e.seq.in_(newest)
            )
        ).all()
        columns = _columns(rows, [None, None, None, typing, None, None, None, None])
        return {entry[0]: entry for entry in zip(*columns, strict=True)}

    def _line(self, table: str, record_id: str, content: bytes, entry: Any) -> bytes:
        ledger = proof = None
        if entry is not None:
            _id, action, actor, at, digest, hash_, prev_hash, seq = entry
            ledger = {
                "action": action,
                "actor": actor,
                "at": at if type(at) is str or (at.tzinfo is UTC and at.year >= 1000) else iso(at),
                "digest": digest,
                "hash": hash_,
                "prev_hash": prev_hash,
                "seq": seq,
            }
            if seq <= self.proofs.size:
                proof = self.proofs.proof_hex(seq - 1)
        line = {
            "content": orjson.Fragment(content),  # the very bytes the ledger digested
            "entity_id": record_id,
            "entity_type": table,
            "ledger": ledger,
            "proof": proof or [],
        }
        return orjson.dumps(line, option=INSTANTS) + b"\n"

    def _write(
        self, connection: Connection, name: str, model: type[Recorded], chunk: Chunk, remember: bool
    ) -> None:
        table = model.__tablename__
        ids = chunk.values("id")
        cells, contents = column_cells_and_contents(chunk.names, chunk.columns)
        self._write_csv(self._section(name, model), cells)
        entries = self._entries(connection, table, ids)
        line = self._line
        self._jsonl.write(
            b"".join(
                [
                    line(table, record_id, content, entries.get(record_id))
                    for record_id, content in zip(ids, contents, strict=True)
                ]
            )
        )
        if remember:
            self._ids.setdefault(table, set()).update(ids)
        self.counts[name] += len(chunk)
        self.records += len(chunk)

    def stream(
        self,
        session: Session,
        name: str,
        model: type[Recorded],
        query: Select[Any],
        skip: set[str] | None = None,
        remember: bool = True,
    ) -> Iterator[Chunk]:
        """Writes the records of `query` (a select of `model`) a chunk at a time, read as plain
        rows, yielding each chunk once written; their ids are kept for `written_ids` unless
        not to `remember` (the caller selects those records' amendments by a subquery)."""
        self._section(name, model)
        names = self.columns[f"{name}.csv"]
        mapper = inspect(model)
        connection = session.connection()
        read = [_as_stored(mapper.column_attrs[key].columns[0], connection) for key in names]
        typings = [typing for _, typing in read]
        plain = query.with_only_columns(*[column for column, _ in read])
        where = names.index("id")
        found = connection.execute(plain, execution_options={"yield_per": CHUNK})
        for part in found.partitions():
            rows = part if not skip else [r for r in part if r[where] not in skip]
            chunk = Chunk(names, _columns(rows, typings))
            if rows:
                self._write(connection, name, model, chunk, remember)
            yield chunk

    def write_all(
        self, session: Session, name: str, model: type[Recorded], queries: Iterable[Select[Any]]
    ) -> None:
        """Writes every record of the queries as one section (its header even if none)."""
        seen: set[str] = set()
        for query in queries:
            for chunk in self.stream(session, name, model, query, skip=seen):
                seen.update(chunk.values("id"))
        self.done(name, model)

    def done(self, name: str, model: type[Recorded]) -> None:
        """Makes sure the section's CSV exists, with its header."""
        self._section(name, model)

    def written_ids(self) -> dict[str, set[str]]:
        """The ids written so far, by table."""
        return self._ids

    def add_file(self, name: str, data: bytes) -> None:
        path = self.folder / name
        sink = _Sink(path)
        sink.write(data)
        sink.handle.close()
        self.files[name] = path
        self.hashes[name] = sink.sha.hexdigest()

    def close(self) -> None:
        """Closes every streamed file (``records.jsonl``'s zip entry too), keeping its SHA-256."""
        if isinstance(self._jsonl, ZipEntrySink):
            self._jsonl.close()
        else:
            self._jsonl.handle.close()
        self.hashes[RECORDS] = self._jsonl.sha.hexdigest()
        for name, sink in self._csv.items():
            sink.handle.close()
            self.hashes[f"{name}.csv"] = sink.sha.hexdigest()
