"""The streaming package writer writes the very bytes a plain row-by-row writer does: every file
of the zip, from the same data, on SQLite and PostgreSQL; and its reading of stored instants a
column at a time is `iso` of `kit.db.UTCDateTime`'s reading, value by value."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Select, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from callkeep.kit.canonical import canonical_bytes
from callkeep.kit.clock import iso
from callkeep.kit.db import UTCDateTime
from callkeep.kit.runtime import Runtime
from callkeep.ledger import checkpoints, merkle
from callkeep.ledger.models import LedgerEntry, Recorded
from callkeep.records.calls import service as calls
from callkeep.records.schemas import CallIn
from callkeep.reports import package_writer, service
from callkeep.reports.package_cells import cell_text, stored_instants
from callkeep.reports.package_writer import Chunk, PackageWriter
from callkeep.reports.schemas import ExportFilters
from tests.reports.seeded import _call, seed
from tests.reports.test_package import _evidence

_MADE_AT = datetime(2026, 8, 1, 12, 0, tzinfo=UTC)


class RowByRowWriter(PackageWriter):
    """The plain way: each record an ORM object, each cell `cell_text`, each content
    `canonical_bytes`, each newest ledger entry its own query, each proof from the whole tree."""

    def stream(
        self,
        session: Session,
        name: str,
        model: type[Recorded],
        query: Select[Any],
        skip: set[str] | None = None,
        remember: bool = True,
    ) -> Iterator[Chunk]:
        sink = self._section(name, model)
        names = self.columns[f"{name}.csv"]
        table = model.__tablename__
        leaves = [
            bytes.fromhex(h)
            for h in session.scalars(
                select(LedgerEntry.hash).order_by(LedgerEntry.seq).limit(self.proofs.size)
            )
        ]
        tree = merkle.levels(leaves) if leaves else [[]]
        for record in list(session.scalars(query)):
            if skip and record.id in skip:
                continue
            values = [getattr(record, key) for key in names]
            self._write_csv(sink, [[cell_text(value) for value in values]])
            entry = session.scalars(
                select(LedgerEntry)
                .where(LedgerEntry.entity_type == table, LedgerEntry.entity_id == record.id)
                .order_by(LedgerEntry.seq.desc())
                .limit(1)
            ).first()
            ledger = None
            proof: list[str] = []
            if entry is not None:
                ledger = {
                    "action": entry.action,
                    "actor": entry.actor,
                    "at": iso(entry.at),
                    "digest": entry.digest,
                    "hash": entry.hash,
                    "prev_hash": entry.prev_hash,
                    "seq": entry.seq,
                }
                if entry.seq <= self.proofs.size:
                    path = merkle.inclusion_proof_from_levels(tree, entry.seq - 1)
                    proof = [node.hex() for node in path]
            line = {
                "content": orjson.Fragment(canonical_bytes(dict(zip(names, values, strict=True)))),
                "entity_id": record.id,
                "entity_type": table,
                "ledger": ledger,
                "proof": proof,
            }
            self._jsonl.write(orjson.dumps(line) + b"\n")
            if remember:
                self._ids.setdefault(table, set()).add(record.id)
            self.counts[name] += 1
            self.records += 1
            yield Chunk(names, [[value] for value in values])


def _package(rt: Runtime, out: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Every file of the package of July, made in a transaction that is then rolled back (so
    the export's own ledger entry does not change the next package's checkpoint)."""
    monkeypatch.setattr(service, "utcnow", lambda: _MADE_AT)
    with pytest.raises(LookupError), rt.db.transaction() as session:
        service.build(
            session=session,
            actor="regulator",
            filters=ExportFilters.model_validate({"from": "2026-07-01", "to": "2026-07-31"}),
            out=out,
            signer=checkpoints.signer_for(rt.settings),
        )
        raise LookupError("roll the export's record back")
    intact, _files, _records, problems = service.check(path=out)
    assert intact, problems
    with zipfile.ZipFile(out) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _noted_calls(rt: Runtime) -> None:
    """Calls with notes (an encrypted column), one of them a formula."""
    with rt.db.transaction() as s:
        for start, notes in [
            ("2026-07-11T14:00:00Z", '=HYPERLINK("http://evil")'),
            ("2026-07-11T14:05:00Z", 'callback, "soon"\nplease'),
        ]:
            call_in = CallIn.model_validate(
                _call("+12075550199", start, "answered_person", notes=notes)
            )
            calls.record_call(session=s, actor="t", call_in=call_in)


@pytest.mark.parametrize("chunk", [3, package_writer.CHUNK])
def test_the_streamed_package_is_the_row_by_row_one_byte_for_byte(
    rt: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    seed(rt)
    _evidence(rt)
    _noted_calls(rt)
    monkeypatch.setattr(package_writer, "CHUNK", chunk)
    streamed = _package(rt, tmp_path / "streamed.zip", monkeypatch)
    monkeypatch.setattr(service, "PackageWriter", RowByRowWriter)
    plain = _package(rt, tmp_path / "plain.zip", monkeypatch)
    assert sorted(streamed) == sorted(plain)
    for name in plain:
        assert streamed[name] == plain[name], name
    lines = plain["records.jsonl"].splitlines()
    assert len(lines) > 3 * 3  # several chunks of the small size
    assert any(b'"notes":"callback' in line for line in lines)  # decrypted, as plain reads it


_STORED_TEXTS = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
        lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S.000000")
    ),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
        lambda moment: moment.isoformat(sep=" ")
    ),
    st.sampled_from(
        ["2026-02-29 10:00:00.000000", "2026-02-30 10:00:00.000000", "2026-11-02 14:00:00"]
    ),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.none() | _STORED_TEXTS, max_size=8))
def test_sqlite_instants_a_column_at_a_time_are_iso_of_each_typed(
    values: list[str | None],
) -> None:
    dialect = sqlite.dialect()
    typed = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
    assert typed is not None
    try:
        expected = [cell_text(None if v is None else typed(v)) for v in values]
    except ValueError:  # a day that does not exist: read value by value, it fails as before
        with pytest.raises(ValueError):
            stored_instants(values, True, typed)
        return
    assert [cell_text(v) for v in stored_instants(values, True, typed)] == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.none() | st.datetimes(min_value=datetime(1, 1, 1)), max_size=8))
def test_postgresql_instants_a_column_at_a_time_are_iso_of_each_typed(
    values: list[datetime | None],
) -> None:
    dialect = postgresql.psycopg.dialect()  # type: ignore[attr-defined]
    typed = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
    assert typed is not None
    expected = [cell_text(None if v is None else typed(v)) for v in values]
    assert [cell_text(v) for v in stored_instants(values, False, typed)] == expected
