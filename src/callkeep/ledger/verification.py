"""Proving the ledger: the chain recomputed, every stored record re-hashed against its newest
entry, and each checkpoint kept outside the database proven still held.

`ledger.service.verify` hands on to this module's `verify`; other domains call it there.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callkeep.kit.canonical import digest
from callkeep.kit.crypto import Undecryptable
from callkeep.ledger.chain import GENESIS, entry_hash
from callkeep.ledger.checkpoints import Presented
from callkeep.ledger.merkle import EMPTY_ROOT, Frontier
from callkeep.ledger.models import LedgerEntry, Recorded, recorded_models
from callkeep.ledger.notes import Verifier
from callkeep.ledger.schemas import CheckpointCheck, Problem, VerifyReport


def _by_id(session: Session, column: Any) -> Any:
    """`column` ordered bytewise on every engine, as Python compares strings."""
    if session.get_bind().dialect.name == "postgresql":
        return column.collate("C")
    return column


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
