"""Signed checkpoints of the ledger: made, kept, and proven against the entries still stored.

A checkpoint pins the ledger's first `size` entries by their RFC 6962 tree hash, signed with the
installation's checkpoint key. Each stored checkpoint keeps the tree's frontier, so the next one
extends it by the entries appended since (O(log n) state, no re-reading of history). Proving a
checkpoint goes the other way: the tree is rebuilt from the entries as stored today, and a
history truncated, rewritten or re-chained (even with callkeep's own hash function) no longer
has the tree hash that was signed.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callkeep.config import Settings
from callkeep.errors import CallkeepError
from callkeep.kit.clock import iso, utcnow
from callkeep.kit.runtime import Runtime
from callkeep.ledger.merkle import Frontier
from callkeep.ledger.models import Checkpoint, LedgerEntry
from callkeep.ledger.notes import Note, Signer, Verifier, checkpoint_text, load_or_create_signer
from callkeep.ledger.schemas import CheckpointOut

FILE_PREFIX = "checkpoint-"
_log = logging.getLogger(__name__)


@lru_cache(maxsize=8)
def _signer(path: Path, name: str) -> Signer:
    return load_or_create_signer(path, name=name)


def signer_for(settings: Settings) -> Signer:
    """This installation's checkpoint key, created (0600) beside the secret key on first use."""
    return _signer(settings.checkpoint_key_file, settings.checkpoint_origin)


def verifier_for(settings: Settings) -> Verifier:
    """The key a recipient pins to check this installation's checkpoints."""
    return signer_for(settings).verifier


def latest(*, session: Session) -> Checkpoint | None:
    """The newest stored checkpoint, or None."""
    return session.scalars(select(Checkpoint).order_by(Checkpoint.size.desc()).limit(1)).first()


def _frontier_of(checkpoint: Checkpoint | None) -> Frontier:
    """The stored frontier of `checkpoint`; an empty one (the tree is rebuilt from the first
    entry) when there is none or it is damaged."""
    if checkpoint is None:
        return Frontier()
    nodes = checkpoint.frontier.split(" ") if checkpoint.frontier else []
    try:
        return Frontier.from_hex(checkpoint.size, [node.strip("-") for node in nodes])
    except ValueError:
        _log.warning("the frontier stored at %s entries is damaged; rebuilding", checkpoint.size)
        return Frontier()


def _stored_frontier(frontier: Frontier) -> str:
    return " ".join(node or "-" for node in frontier.to_hex())


def _extended(session: Session, base: Checkpoint | None) -> Frontier:
    """The frontier of `base` extended by every entry after it, in order."""
    frontier = _frontier_of(base)
    stream = session.execute(
        select(LedgerEntry.seq, LedgerEntry.hash)
        .where(LedgerEntry.seq > frontier.size)
        .order_by(LedgerEntry.seq)
        .execution_options(yield_per=10_000)
    )
    for seq, entry_hash in stream:
        if seq != frontier.size + 1:
            raise CallkeepError(
                f"ledger entries {frontier.size + 1}..{seq - 1} are missing; no checkpoint is "
                "signed over a broken ledger (run 'callkeep audit verify')"
            )
        frontier.append(bytes.fromhex(entry_hash))
    return frontier


def make(*, rt: Runtime) -> CheckpointOut:
    """A checkpoint of the ledger as it is now: the newest stored one if the ledger has not grown
    since, else a new one, signed, stored and written to the checkpoint folder."""
    signer = signer_for(rt.settings)
    with rt.db.transaction(read_only=True) as session:
        base = latest(session=session)
        frontier = _extended(session, base)
    if base is not None and frontier.size == base.size:
        write_file(rt.settings.checkpoint_dir, base)
        return out(base)
    root_hash = frontier.root()
    made = Checkpoint(
        size=frontier.size,
        root_hash=root_hash.hex(),
        frontier=_stored_frontier(frontier),
        origin=signer.name,
        note=signer.sign(
            checkpoint_text(origin=signer.name, size=frontier.size, root_hash=root_hash)
        ),
        made_at=utcnow(),
    )
    try:
        with rt.db.transaction() as session:
            if session.get(Checkpoint, made.size) is None:
                session.add(made)
    except IntegrityError:  # another process made the same checkpoint at the same moment
        pass
    with rt.db.transaction(read_only=True) as session:
        kept = session.get(Checkpoint, made.size)
    assert kept is not None
    write_file(rt.settings.checkpoint_dir, kept)
    return out(kept)


def out(checkpoint: Checkpoint) -> CheckpointOut:
    return CheckpointOut(
        origin=checkpoint.origin,
        size=checkpoint.size,
        root_hash=base64.b64encode(bytes.fromhex(checkpoint.root_hash)).decode(),
        made_at=iso(checkpoint.made_at),
        note=checkpoint.note,
    )


def file_name(size: int) -> str:
    return f"{FILE_PREFIX}{size:012d}.txt"


def write_file(folder: Path, checkpoint: Checkpoint) -> Path:
    """The checkpoint's note as a file in `folder` (written once, atomically)."""
    target = folder / file_name(checkpoint.size)
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"  # one per writer
    with open(temp, "w", encoding="utf-8") as handle:
        handle.write(checkpoint.note)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, target)
    return target


def last_checkpoint(*, session: Session) -> CheckpointOut | None:
    """The newest checkpoint (origin, size, root hash, time, note), or None: for health pages."""
    found = latest(session=session)
    return out(found) if found is not None else None


@dataclass(frozen=True)
class Presented:
    """A checkpoint handed in to be proven: where it came from and what it says."""

    source: str
    note: Note
