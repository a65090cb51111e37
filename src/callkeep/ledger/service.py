"""Appending to the ledger: the one way a record is written.

Each write appends an entry holding the SHA-256 digest of the record's canonical content and the
hash of the entry before it. Records are written once; `verify` (`ledger.verification`, offered
here too) re-hashes the chain and every stored record, so a row edited, inserted or deleted
behind callkeep's back is found and named.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Table, inspect, select, text
from sqlalchemy.orm import Session

from callkeep.kit import stages
from callkeep.kit.canonical import digest
from callkeep.kit.clock import iso, utcnow
from callkeep.kit.ids import new_ids
from callkeep.kit.sql import Prepared, driver_of
from callkeep.kit.stamped import forget_at_transaction_end
from callkeep.ledger.chain import GENESIS as GENESIS  # part of this module's interface
from callkeep.ledger.chain import Chain
from callkeep.ledger.chain import entry_hash as entry_hash  # part of this module's interface
from callkeep.ledger.inserts import bulk_insert, collection_paused, insert_together
from callkeep.ledger.models import LedgerEntry, Recorded

if TYPE_CHECKING:
    from callkeep.ledger.checkpoints import Presented
    from callkeep.ledger.notes import Verifier
    from callkeep.ledger.schemas import CheckpointOut, VerifyReport

_HEAD_KEY = "callkeep.ledger.head"
_PG_LOCK = 7_246_601  # any constant; serializes ledger appends across connections

R = TypeVar("R", bound=Recorded)
_LAST_ENTRY = Prepared(
    select(LedgerEntry.seq, LedgerEntry.hash).order_by(LedgerEntry.seq.desc()).limit(1)
)
_LEDGER_TABLE: Table = LedgerEntry.__table__  # type: ignore[assignment]


def _head(session: Session) -> tuple[int, str]:
    """The last (seq, hash), taking the append lock first so that concurrent writers queue.

    Read once per transaction: the lock is held to its end, so only this session appends.
    """
    cached = session.info.get(_HEAD_KEY)
    if cached is not None:
        return (int(cached[0]), str(cached[1]))
    dialect, connection = driver_of(session)
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        row = _locked_head(connection)
    else:
        if dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
            stages.mark("locked")
        row = _LAST_ENTRY.first(session)
    head = (int(row[0]), str(row[1])) if row else (0, GENESIS)
    stages.mark("head")
    session.info[_HEAD_KEY] = head
    return head


# Two statements in one simple query: one round trip. In READ COMMITTED each statement of a
# query string takes its own snapshot when it starts, so the head is read after the lock is
# held and sees every append committed before it.
_LOCK_THEN_HEAD = (
    "SELECT pg_advisory_xact_lock(7246601); "  # _PG_LOCK
    "SELECT seq, hash FROM ledger_entries ORDER BY seq DESC LIMIT 1"
)
assert str(_PG_LOCK) in _LOCK_THEN_HEAD


def _locked_head(connection: Any) -> Any:
    """The append lock taken and the last (seq, hash) read after it, in one round trip
    (psycopg; no parameters, never prepared, so sent as a simple query)."""
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_THEN_HEAD, prepare=False)
        stages.mark("locked")
        if not cursor.nextset():
            raise RuntimeError("the ledger's head was not read")
        return cursor.fetchone()


def appended(*, session: Session) -> tuple[int, str] | None:
    """Where this transaction's own appends have taken the ledger's head (None: nowhere yet).

    It moves with every record the session writes, so what was read earlier in the same
    transaction can be reused for as long as it stays put.
    """
    head: tuple[int, str] | None = session.info.get(_HEAD_KEY)
    return head


def entry_count(*, session: Session) -> int:
    """How many entries the ledger holds (the last one's sequence number), read without the
    append lock."""
    row = _LAST_ENTRY.first(session)
    return int(row[0]) if row else 0


def lock(*, session: Session) -> None:
    """Takes the ledger's append lock for the rest of the transaction, before any write.

    Every ledgered write holds it from its first append, so a look-up made after `lock` sees
    every record committed before it, and no record can be added until this transaction ends:
    "is it recorded already? if not, record it" is then safe on every engine, without a
    savepoint. (On SQLite the write transaction itself is the lock.)
    """
    _head(session)


forget_at_transaction_end(_HEAD_KEY)


def append_many(
    *, session: Session, actor: str, action: str, items: Sequence[tuple[str, str, str]]
) -> int:
    """Appends one entry per (entity_type, entity_id, digest); returns the last sequence number."""
    rows, head = _entries(session, actor, action, items)
    if rows:
        bulk_insert(session, _LEDGER_TABLE, rows)
    session.info[_HEAD_KEY] = head
    return head[0]


def _entries(
    session: Session, actor: str, action: str, items: Sequence[tuple[str, str, str]]
) -> tuple[list[dict[str, Any]], tuple[int, str]]:
    """The ledger rows appending `items` makes, chained from the head, and the head after them
    (which becomes the session's once the rows are stored)."""
    seq, prev = _head(session)
    at = utcnow()
    at_text = iso(at)
    chain = Chain(at_text, actor, action)
    rows: list[dict[str, Any]] = []
    for entity_type, entity_id, content_digest in items:
        seq += 1
        own = chain.hash(seq, entity_type, entity_id, content_digest, prev)
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": actor,
                "action": action,
                "entity_type": entity_type,
                "entity_id": entity_id,
                "digest": content_digest,
                "prev_hash": prev,
                "hash": own,
            }
        )
        prev = own
    return rows, (seq, prev)


def record(*, session: Session, actor: str, entity: R, action: str = "create") -> R:
    """Stores `entity` and appends its ledger entry; the one way a record is written."""
    session.add(entity)
    session.flush()
    append_many(
        session=session,
        actor=actor,
        action=action,
        items=[(entity.__tablename__, entity.id, digest(entity.ledger_content()))],
    )
    return entity


def record_many(
    *, session: Session, actor: str, model: type[Recorded], rows: Sequence[dict[str, Any]]
) -> list[str]:
    """Bulk-stores plain rows of `model` with their ledger entries; returns their ids.

    Each row must hold every column's final value except `id`, `recorded_at` and `recorded_by`,
    which are filled in here; the digest is computed from exactly what is inserted.
    """
    if not rows:
        return []
    with collection_paused(len(rows)):
        return _record_many(session=session, actor=actor, model=model, rows=rows)


def _record_many(
    *, session: Session, actor: str, model: type[Recorded], rows: Sequence[dict[str, Any]]
) -> list[str]:
    now = utcnow()
    keys, names = _columns(model)
    fresh = iter(new_ids(sum(1 for row in rows if not row.get("id"))))
    prepared: list[dict[str, Any]] = []
    items: list[tuple[str, str, str]] = []
    table_name = model.__tablename__
    every = frozenset(keys)
    for row in rows:
        full = dict(row)
        full["id"] = full.get("id") or next(fresh)
        full["recorded_at"] = full.get("recorded_at") or now
        full["recorded_by"] = actor
        if full.keys() != every:  # a column missing (null) or a key that is no column
            full = {key: full.get(key) for key in keys}
        prepared.append(full)
        items.append((table_name, str(full["id"]), digest(full)))
    table: Table = model.__table__  # type: ignore[assignment]
    # The append lock before the rows, so that writers of the same keys queue, not deadlock;
    # after the digests, so that it is held for the writes alone.
    _head(session)
    if names is not None:
        stored = [{names[k]: v for k, v in r.items()} for r in prepared]
    else:
        stored = prepared
    entries, head = _entries(session, actor, "create", items)
    insert_together(session, [(table, stored), (_LEDGER_TABLE, entries)])
    session.info[_HEAD_KEY] = head
    stages.mark("inserted")
    return [row["id"] for row in prepared]


_COLUMNS: dict[type[Recorded], tuple[tuple[str, ...], dict[str, str] | None]] = {}


def _columns(model: type[Recorded]) -> tuple[tuple[str, ...], dict[str, str] | None]:
    """`model`'s attribute keys, and their column names where any differs (else None)."""
    found = _COLUMNS.get(model)
    if found is None:
        attrs = _column_attrs(model)
        names = {attr.key: attr.columns[0].key for attr in attrs}
        differs = any(key != name for key, name in names.items())
        found = (tuple(names), names if differs else None)
        _COLUMNS[model] = found
    return found


def _column_attrs(model: type[Recorded]) -> list[Any]:
    return list(inspect(model).column_attrs)


def mark_removed(*, session: Session, actor: str, entity: Recorded, action: str = "purge") -> None:
    """Deletes `entity` under retention, leaving a tombstone entry that says so."""
    append_many(
        session=session,
        actor=actor,
        action=action,
        items=[(entity.__tablename__, entity.id, digest({"removed": entity.id}))],
    )
    session.delete(entity)
    session.flush()


def history(*, session: Session, entity_type: str, entity_id: str) -> list[LedgerEntry]:
    """Every ledger entry about one record, oldest first."""
    return list(
        session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.entity_type == entity_type, LedgerEntry.entity_id == entity_id)
            .order_by(LedgerEntry.seq)
        )
    )


# Verifying the ledger and reading its checkpoints need the signing keys' code (cryptography's
# Ed25519 and serialization) and the reports' schemas; they load on first use, so that writing
# a record (a check, say) does not import them.


def verify(
    *,
    session: Session,
    presented: Sequence[Presented] = (),
    verifier: Verifier | None = None,
) -> VerifyReport:
    """`ledger.verification.verify`: the whole chain recomputed, every stored record re-hashed,
    and each checkpoint `presented` proven against the entries still stored."""
    from callkeep.ledger.verification import verify as verify_ledger

    return verify_ledger(session=session, presented=presented, verifier=verifier)


def last_checkpoint(*, session: Session) -> CheckpointOut | None:
    """The newest checkpoint (origin, size, root hash, time, note), or None: for health pages."""
    from callkeep.ledger.checkpoints import last_checkpoint as newest

    return newest(session=session)
