"""Writing a package's sections to disk as they stream from the database.

Each section is a CSV (its header written first, so an empty section still names its columns)
and its records' lines in ``records.jsonl``: canonical content, the newest ledger entry about the
record, and that entry's inclusion proof in the ledger's Merkle tree. Records are read and
written a chunk at a time; only their ids are kept, for the amendments that follow.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy import Select, func, inspect, select
from sqlalchemy.orm import Session

from callkeep.kit.canonical import canonical_bytes
from callkeep.kit.clock import iso
from callkeep.ledger import merkle
from callkeep.ledger.models import LedgerEntry, Recorded
from callkeep.reports.csvsafe import TRIGGERS, cell

CHUNK = 2000
RECORDS = "records.jsonl"
_TRIGGERS = frozenset(TRIGGERS)


@dataclass(frozen=True)
class Scope:
    """Which records a package holds: a period (UTC, end excluded), seller, campaign, number."""

    start: datetime | None
    end: datetime | None
    seller_id: str | None
    campaign_id: str | None
    phone: str | None


def _private(path: Path, text: bool) -> IO[Any]:
    """A new file only its owner may read (it holds personal data)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    if text:
        return os.fdopen(fd, "w", encoding="utf-8", newline="")
    return os.fdopen(fd, "wb")


def _cell(value: Any) -> str:
    """A CSV cell: instants as ISO text, and `csvsafe.cell` for everything (its rule, with the
    plain text that needs no quote answered before the call)."""
    kind = type(value)
    if kind is str and value[:1] not in _TRIGGERS:
        return str(value)
    if value is None:
        return ""
    if kind is datetime:
        return iso(value)
    if kind is date:
        return str(value.isoformat())
    return cell(value)


def _labelled(model: type[Recorded]) -> list[Any]:
    """The model's columns, each labelled with its attribute name (as `ledger_content` keys)."""
    return [attr.columns[0].label(attr.key) for attr in inspect(model).column_attrs]


def columns_of(model: type[Recorded]) -> list[str]:
    """A record type's fields, as its CSV's header names them."""
    return [attr.key for attr in inspect(model).column_attrs]


class SectionWriter:
    """The package's files under `folder`, written section by section."""

    def __init__(self, folder: Path, tree: list[list[bytes]]) -> None:
        self.folder = folder
        self.tree = tree
        self.size = len(tree[0])
        self.files: dict[str, Path] = {}
        self.hashes: dict[str, str] = {}
        self.counts: dict[str, int] = {}
        self.columns: dict[str, list[str]] = {}
        self.records = 0
        self._csv: dict[str, tuple[IO[Any], Any]] = {}
        self._ids: dict[str, set[str]] = {}
        path = folder / RECORDS
        self.files[RECORDS] = path
        self._jsonl = _private(path, text=False)

    def _writer(self, name: str, model: type[Recorded]) -> Any:
        found = self._csv.get(name)
        if found is None:
            file_name = f"{name}.csv"
            path = self.folder / file_name
            handle = _private(path, text=True)
            writer = csv.writer(handle, lineterminator="\r\n")
            self.columns[file_name] = columns_of(model)
            writer.writerow(self.columns[file_name])
            self.files[file_name] = path
            self.counts.setdefault(name, 0)
            found = self._csv[name] = (handle, writer)
        return found[1]

    def _entries(self, session: Session, table: str, ids: list[str]) -> dict[str, Any]:
        """The newest ledger entry about each record."""
        newest = (
            select(func.max(LedgerEntry.seq))
            .where(LedgerEntry.entity_type == table, LedgerEntry.entity_id.in_(ids))
            .group_by(LedgerEntry.entity_id)
        )
        entry = LedgerEntry
        rows = session.execute(
            select(
                entry.seq,
                entry.at,
                entry.actor,
                entry.action,
                entry.entity_id,
                entry.digest,
                entry.prev_hash,
                entry.hash,
            ).where(entry.seq.in_(newest))
        )
        return {row.entity_id: row for row in rows}

    def _write(self, session: Session, name: str, model: type[Recorded], rows: list[Any]) -> None:
        writer = self._writer(name, model)
        columns = self.columns[f"{name}.csv"]
        table = model.__tablename__
        entries = self._entries(session, table, [r.id for r in rows])
        ids = self._ids.setdefault(table, set())
        lines: list[bytes] = []
        plain, triggers = str, _TRIGGERS
        for row in rows:
            content = dict(zip(columns, row, strict=True))
            writer.writerow(
                [v if type(v) is plain and v[:1] not in triggers else _cell(v) for v in row]
            )
            entry = entries.get(row.id)
            line: dict[str, Any] = {
                "entity_type": table,
                "entity_id": row.id,
                # the very bytes the ledger digested, not re-encoded
                "content": orjson.Fragment(canonical_bytes(content)),
                "ledger": None,
                "proof": [],
            }
            if entry is not None:
                line["ledger"] = {
                    "seq": entry.seq,
                    "at": iso(entry.at),
                    "actor": entry.actor,
                    "action": entry.action,
                    "digest": entry.digest,
                    "prev_hash": entry.prev_hash,
                    "hash": entry.hash,
                }
                if entry.seq <= self.size:
                    proof = merkle.inclusion_proof_from_levels(self.tree, entry.seq - 1)
                    line["proof"] = [p.hex() for p in proof]
            lines.append(orjson.dumps(line, option=orjson.OPT_SORT_KEYS) + b"\n")
            ids.add(row.id)
        self._jsonl.write(b"".join(lines))
        self.counts[name] += len(rows)
        self.records += len(rows)

    def stream(
        self,
        session: Session,
        name: str,
        model: type[Recorded],
        query: Select[Any],
        skip: set[str] | None = None,
    ) -> Iterator[list[Any]]:
        """Writes the records of `query` (a select of `model`) a chunk at a time, read as plain
        rows (no ORM objects), yielding each chunk once written."""
        self._writer(name, model)
        plain = query.with_only_columns(*_labelled(model)).execution_options(yield_per=CHUNK)
        for part in session.execute(plain).partitions():
            records = [r for r in part if skip is None or r.id not in skip]
            if records:
                self._write(session, name, model, records)
            yield records

    def write_all(
        self, session: Session, name: str, model: type[Recorded], queries: Iterable[Select[Any]]
    ) -> None:
        """Writes every record of the queries as one section (its header even if none)."""
        seen: set[str] = set()
        for query in queries:
            for records in self.stream(session, name, model, query, skip=seen):
                seen.update(r.id for r in records)
        self.done(name, model)

    def done(self, name: str, model: type[Recorded]) -> None:
        """Makes sure the section's CSV exists, with its header."""
        self._writer(name, model)

    def written_ids(self) -> dict[str, set[str]]:
        """The ids written so far, by table."""
        return self._ids

    def add_file(self, name: str, data: bytes) -> None:
        path = self.folder / name
        with _private(path, text=False) as handle:
            handle.write(data)
        self.files[name] = path
        self.hashes[name] = hashlib.sha256(data).hexdigest()

    def close(self) -> None:
        """Closes every file and hashes what was streamed."""
        for handle, _writer in self._csv.values():
            handle.close()
        self._jsonl.close()
        for name, path in self.files.items():
            if name not in self.hashes:
                digest = hashlib.sha256()
                with path.open("rb") as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(block)
                self.hashes[name] = digest.hexdigest()
