"""The hash chain: each ledger entry's hash covers its fields and the hash of the entry before.

`entry_hash` is the definition (SHA-256 over the canonical JSON of the entry's fields); `Chain`
hashes a run of entries sharing a time, actor and action, their bytes written by
`kit.canonical.ObjectWriter`, the canonical writer's own pieces.
"""

from __future__ import annotations

import contextlib
import hashlib
from datetime import datetime

from callkeep.kit.canonical import ObjectWriter, Unusual, canonical_bytes
from callkeep.kit.clock import iso

GENESIS = "0" * 64  # the `prev_hash` of the first entry


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    digest: str,
    prev_hash: str,
) -> str:
    """The hash of one entry: SHA-256 over its canonical fields, the previous hash included."""
    return _chain_hash(seq, iso(at), actor, action, entity_type, entity_id, digest, prev_hash)


def _chain_hash(
    seq: int,
    at: str,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    content_digest: str,
    prev_hash: str,
) -> str:
    fields = {
        "seq": seq,
        "at": at,
        "actor": actor,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "digest": content_digest,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical_bytes(fields)).hexdigest()


class Chain:
    """The hashes of entries sharing a time, actor and action, written member by member.

    An entry's canonical bytes are a JSON object with eight known keys; `canonical.ObjectWriter`
    writes the three this chain fixes once and the others per entry, which is what appending
    thousands of entries at once needs. Anything unusual takes `entry_hash`'s own road.
    """

    def __init__(self, at: str, actor: str, action: str) -> None:
        self.at = at
        self.actor = actor
        self.action = action
        self.writer: ObjectWriter | None = None
        with contextlib.suppress(Unusual):  # not text, or not valid Unicode: the slow road
            self.writer = ObjectWriter(_VARYING, fixed={"at": at, "actor": actor, "action": action})
            assert self.writer.varying == _VARYING

    def hash(
        self, seq: int, entity_type: str, entity_id: str, content_digest: str, prev_hash: str
    ) -> str:
        """`entry_hash` of the entry with these fields and this chain's time, actor and action."""
        if self.writer is not None and type(seq) is int:
            with contextlib.suppress(Unusual):
                # in `_VARYING`'s sorted order, which is the writer's
                values = (content_digest, entity_id, entity_type, prev_hash, seq)
                return hashlib.sha256(self.writer.write_values(values)).hexdigest()
        return _chain_hash(
            seq, self.at, self.actor, self.action, entity_type, entity_id, content_digest, prev_hash
        )


_VARYING = ("digest", "entity_id", "entity_type", "prev_hash", "seq")  # sorted
