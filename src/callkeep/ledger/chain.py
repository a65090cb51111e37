"""The hash chain: each ledger entry's hash covers its fields and the hash of the entry before.

`entry_hash` is the definition (SHA-256 over the canonical JSON of the entry's fields); `Chain`
writes the same bytes for a run of entries sharing a time, actor and action without a JSON
encoder, which is what appending thousands of entries at once needs.
"""

from __future__ import annotations

import contextlib
import hashlib
from datetime import datetime

import orjson

from callkeep.kit.canonical import canonical_bytes
from callkeep.kit.clock import iso


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
    """The hashes of entries sharing a time, actor and action, written without a JSON encoder.

    An entry's canonical bytes are a JSON object with eight known keys; written in their sorted
    order with each text encoded as the canonical encoder encodes it, they are the bytes
    `entry_hash` hashes (tests prove it). Anything unusual takes `entry_hash`'s own road.
    """

    def __init__(self, at: str, actor: str, action: str) -> None:
        self.at = at
        self.actor = actor
        self.action = action
        self.head: bytes | None = None
        if type(at) is not str or type(actor) is not str or type(action) is not str:
            return
        with contextlib.suppress(orjson.JSONEncodeError):  # not valid Unicode: the slow road
            self.head = (
                b'{"action":' + orjson.dumps(action) + b',"actor":' + orjson.dumps(actor)
                + b',"at":' + orjson.dumps(at) + b',"digest":'
            )  # fmt: skip

    def hash(
        self, seq: int, entity_type: str, entity_id: str, content_digest: str, prev_hash: str
    ) -> str:
        """`entry_hash` of the entry with these fields and this chain's time, actor and action."""
        if (
            self.head is None
            or type(entity_type) is not str
            or type(entity_id) is not str
            or type(content_digest) is not str
            or type(prev_hash) is not str
        ):
            return self._slow(seq, entity_type, entity_id, content_digest, prev_hash)
        try:
            text = (
                self.head + orjson.dumps(content_digest)
                + b',"entity_id":' + orjson.dumps(entity_id)
                + b',"entity_type":' + orjson.dumps(entity_type)
                + b',"prev_hash":' + orjson.dumps(prev_hash)
                + b',"seq":' + str(seq).encode() + b"}"
            )  # fmt: skip
        except orjson.JSONEncodeError:
            return self._slow(seq, entity_type, entity_id, content_digest, prev_hash)
        return hashlib.sha256(text).hexdigest()

    def _slow(
        self, seq: int, entity_type: str, entity_id: str, content_digest: str, prev_hash: str
    ) -> str:
        return _chain_hash(
            seq, self.at, self.actor, self.action, entity_type, entity_id, content_digest, prev_hash
        )
