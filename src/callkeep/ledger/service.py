"""Appending to the ledger, and proving every stored record against it.

Each write appends an entry holding the SHA-256 digest of the record's canonical content and the
hash of the entry before it. Records are written once; `verify` re-hashes the chain and every
stored record, so a row edited, inserted or deleted behind callkeep's back is found and named.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table, func, inspect, select, text
from sqlalchemy.orm import Session

from callkeep.kit.canonical import digest
from callkeep.kit.clock import iso, utcnow
from callkeep.kit.crypto import Undecryptable
from callkeep.kit.ids import new_ids
from callkeep.kit.sql import Prepared
from callkeep.kit.stamped import forget_at_transaction_end
from callkeep.ledger.chain import Chain
from callkeep.ledger.chain import entry_hash as entry_hash  # part of this module's interface
from callkeep.ledger.checkpoints import Presented
from callkeep.ledger.checkpoints import last_checkpoint as last_checkpoint  # for health pages
from callkeep.ledger.inserts import bulk_insert, collection_paused
from callkeep.ledger.merkle import EMPTY_ROOT, Frontier
from callkeep.ledger.models import LedgerEntry, Recorded, recorded_models
from callkeep.ledger.notes import Verifier
from callkeep.ledger.schemas import CheckpointCheck, Problem, VerifyReport

GENESIS = "0" * 64
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
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
    row = _LAST_ENTRY.first(session)
    head = (int(row[0]), str(row[1])) if row else (0, GENESIS)
    session.info[_HEAD_KEY] = head
    return head


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


def _by_id(session: Session, column: Any) -> Any:
    """`column` ordered bytewise on every engine, as Python compares strings."""
    if session.get_bind().dialect.name == "postgresql":
        return column.collate("C")
    return column


def append_many(
    *, session: Session, actor: str, action: str, items: Sequence[tuple[str, str, str]]
) -> int:
    """Appends one entry per (entity_type, entity_id, digest); returns the last sequence number."""
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
    if rows:
        bulk_insert(session, _LEDGER_TABLE, rows)
    session.info[_HEAD_KEY] = (seq, prev)
    return seq


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
    _head(session)  # the append lock before the rows: writers of the same keys queue, not deadlock
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
    if names is not None:
        bulk_insert(session, table, [{names[k]: v for k, v in r.items()} for r in prepared])
    else:
        bulk_insert(session, table, prepared)
    append_many(session=session, actor=actor, action="create", items=items)
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


# --- verification -------------------------------------------------------------------------


def _leaf(entry_hash_text: str) -> bytes:
    try:
        return bytes.fromhex(entry_hash_text)
    except ValueError:  # a hash column that is no longer hex: a leaf all the same, and a problem
        return entry_hash_text.encode()


def _verify_chain(
    session: Session, problems: list[Problem], tree_sizes: set[int]
) -> tuple[int, int, str, dict[int, bytes]]:
    """Recomputes the chain; also the tree hash over the first n stored entries, each n of
    `tree_sizes` that the ledger reaches."""
    expected_prev = GENESIS
    expected_seq = 0
    count = 0
    last_hash = GENESIS
    tree = Frontier()
    tree_until = max(tree_sizes, default=0)
    roots = {0: EMPTY_ROOT} if 0 in tree_sizes else {}
    stream = session.execute(
        select(LedgerEntry).order_by(LedgerEntry.seq).execution_options(yield_per=5000)
    ).scalars()
    for entry in stream:
        count += 1
        if tree.size < tree_until:
            tree.append(_leaf(entry.hash))
            if tree.size in tree_sizes:
                roots[tree.size] = tree.root()
        expected_seq += 1
        if entry.seq != expected_seq:
            problems.append(
                Problem(
                    kind="chain_broken",
                    seq=entry.seq,
                    message=f"ledger entries {expected_seq}..{entry.seq - 1} are missing",
                )
            )
            expected_seq = entry.seq
        recomputed = entry_hash(
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            entity_type=entry.entity_type,
            entity_id=entry.entity_id,
            digest=entry.digest,
            prev_hash=entry.prev_hash,
        )
        if entry.prev_hash != expected_prev:
            problems.append(
                Problem(
                    kind="chain_broken",
                    seq=entry.seq,
                    entity_type=entry.entity_type,
                    entity_id=entry.entity_id,
                    message=f"entry {entry.seq} does not follow the entry before it",
                )
            )
        if recomputed != entry.hash:
            problems.append(
                Problem(
                    kind="chain_broken",
                    seq=entry.seq,
                    entity_type=entry.entity_type,
                    entity_id=entry.entity_id,
                    message=f"entry {entry.seq} was altered (its hash no longer matches)",
                )
            )
        expected_prev = entry.hash
        last_hash = entry.hash
    return count, expected_seq, last_hash, roots


def _latest_entries(session: Session, entity_type: str) -> Iterator[LedgerEntry]:
    """The newest entry per record of one type, ordered by record id."""
    newest = (
        select(LedgerEntry.entity_id, func.max(LedgerEntry.seq).label("seq"))
        .where(LedgerEntry.entity_type == entity_type)
        .group_by(LedgerEntry.entity_id)
        .subquery()
    )
    query = (
        select(LedgerEntry)
        .join(newest, LedgerEntry.seq == newest.c.seq)
        .order_by(_by_id(session, LedgerEntry.entity_id))
        .execution_options(yield_per=5000)
    )
    yield from session.execute(query).scalars()


def _verify_records(session: Session, model: type[Recorded], problems: list[Problem]) -> int:
    name = model.__tablename__
    rows = session.execute(
        select(model).order_by(_by_id(session, model.id)).execution_options(yield_per=2000)
    ).scalars()
    entries = _latest_entries(session, name)
    row = next(rows, None)
    entry = next(entries, None)
    count = 0
    while row is not None or entry is not None:
        if entry is None or (row is not None and row.id < entry.entity_id):
            assert row is not None
            problems.append(
                Problem(
                    kind="record_inserted",
                    entity_type=name,
                    entity_id=row.id,
                    message=f"{name} {row.id} is stored but was never written through the ledger",
                )
            )
            count += 1
            row = next(rows, None)
        elif row is None or entry.entity_id < row.id:
            if entry.action not in ("purge",):
                problems.append(
                    Problem(
                        kind="record_deleted",
                        entity_type=name,
                        entity_id=entry.entity_id,
                        seq=entry.seq,
                        message=f"{name} {entry.entity_id} is in the ledger but no longer stored",
                    )
                )
            entry = next(entries, None)
        else:
            count += 1
            content = row.ledger_content()
            if entry.action == "purge":
                problems.append(
                    Problem(
                        kind="record_inserted",
                        entity_type=name,
                        entity_id=row.id,
                        seq=entry.seq,
                        message=f"{name} {row.id} was purged but is stored again",
                    )
                )
            elif any(isinstance(v, Undecryptable) for v in content.values()):
                fields = sorted(k for k, v in content.items() if isinstance(v, Undecryptable))
                problems.append(
                    Problem(
                        kind="ciphertext_altered",
                        entity_type=name,
                        entity_id=row.id,
                        seq=entry.seq,
                        message=f"{name} {row.id}: encrypted field(s) {', '.join(fields)} "
                        "no longer decrypt",
                    )
                )
            elif digest(content) != entry.digest:
                problems.append(
                    Problem(
                        kind="record_altered",
                        entity_type=name,
                        entity_id=row.id,
                        seq=entry.seq,
                        message=f"{name} {row.id} differs from what ledger entry {entry.seq} "
                        "recorded",
                    )
                )
            row = next(rows, None)
            entry = next(entries, None)
    return count


def verify(
    *,
    session: Session,
    presented: Sequence[Presented] = (),
    verifier: Verifier | None = None,
) -> VerifyReport:
    """Recomputes the whole chain and re-hashes every stored record against it.

    Each checkpoint `presented` (kept outside the database) must be signed by `verifier`, the
    installation's checkpoint key, and the ledger must still hold the entries it covers with the
    tree hash it signed.
    """
    problems: list[Problem] = []
    sizes = {p.note.size for p in presented}
    entries, head_seq, head_hash, roots = _verify_chain(session, problems, sizes)
    records = sum(_verify_records(session, model, problems) for model in recorded_models())
    checks = [_prove(p, roots, verifier, entries, problems) for p in presented]
    return VerifyReport(
        intact=not problems,
        entries=entries,
        records=records,
        head_seq=head_seq,
        head_hash=head_hash,
        problems=problems,
        checkpoints=checks,
    )


def _prove(
    presented: Presented,
    roots: dict[int, bytes],
    verifier: Verifier | None,
    entries: int,
    problems: list[Problem],
) -> CheckpointCheck:
    note = presented.note
    signed = verifier is not None and note.origin == verifier.name and note.signed_by(verifier)
    present = note.size in roots
    matches = roots.get(note.size) == note.root_hash
    where = presented.source
    if not signed:
        problems.append(
            Problem(
                kind="checkpoint_unsigned",
                seq=note.size,
                message=f"{where}: not signed by this installation's checkpoint key"
                + (f" ({verifier.name})" if verifier is not None else ""),
            )
        )
    if not present:
        problems.append(
            Problem(
                kind="checkpoint_mismatch",
                seq=note.size,
                message=f"{where}: the ledger holds {entries} entries, fewer than the "
                f"{note.size} this checkpoint pinned (history was truncated)",
            )
        )
    elif not matches:
        problems.append(
            Problem(
                kind="checkpoint_mismatch",
                seq=note.size,
                message=f"{where}: the first {note.size} entries no longer have the tree hash "
                "this checkpoint signed (history was rewritten)",
            )
        )
    return CheckpointCheck(
        source=where,
        origin=note.origin,
        size=note.size,
        root_hash=base64.b64encode(note.root_hash).decode(),
        signed=signed,
        present=present,
        matches=matches,
        intact=signed and present and matches,
    )
