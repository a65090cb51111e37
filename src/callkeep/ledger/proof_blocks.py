"""Inclusion proofs of many ledger entries at once, with memory that does not grow with the ledger.

The Merkle tree over every entry (`merkle.levels`) is about 64 bytes a leaf in memory as hashes,
and several times that as Python objects: too much for a ledger of millions of entries. Here the
tree is cut at a height: the leaves are read once, in sequence order, a block of ``2**height``
at a time; each block's levels are written to a file (mode 0600) and only its root is kept. The
roots' own levels (``n / 2**height`` hashes) are all that stays in memory. A proof is the path
within its block, read back from the file (the last few blocks are cached, so records in
sequence order read each block once), followed by the path above it, which every leaf of the
block shares. `merkle.inclusion_proof_in_blocks` is the rule; `tests/ledger/test_proof_blocks.py`
holds these proofs to `merkle.inclusion_proof` for every leaf of trees of awkward sizes.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from callkeep.ledger import merkle
from callkeep.ledger.models import LedgerEntry

HEIGHT = 10  # blocks of 1,024 leaves: 64 KB of levels each in the file
_CACHED = 32  # blocks (2 MB of hex at the default height)
_HEX = 64  # characters of one hash in hex


def _lengths(count: int) -> list[int]:
    """The number of nodes on each level of a block of `count` leaves, leaves first."""
    out = [count]
    while count > 1:
        count = (count + 1) // 2
        out.append(count)
    return out


class LedgerProofs:
    """The ledger's Merkle tree as of now: its size, root and every entry's inclusion proof (hex).

    ``leaf index = seq - 1``. Built in one pass over the entries' hashes; `close` removes the file.
    """

    def __init__(self, session: Session, path: Path, height: int | None = None) -> None:
        self.height = height = HEIGHT if height is None else height
        self.path = path
        self._stride = ((2 << height) - 1) * 32
        self._blocks: dict[int, tuple[str, list[tuple[int, int]], list[str]]] = {}
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        self._file = os.fdopen(fd, "r+b")
        roots: list[bytes] = []
        pending: list[bytes] = []
        per_block = 1 << height
        # by SQLAlchemy Core: the ORM's row loading would cost more than the hashing
        hashes = (
            session.connection()
            .execute(
                select(LedgerEntry.hash).order_by(LedgerEntry.seq),
                execution_options={"yield_per": 20_000},
            )
            .scalars()
        )
        self.size = 0
        for value in hashes:
            self.size += 1
            pending.append(bytes.fromhex(value))
            if len(pending) == per_block:
                roots.append(self._store(pending))
                pending = []
        if pending:
            roots.append(self._store(pending))
        self._file.flush()
        self.top = merkle.levels_over_nodes(roots) if roots else [[]]
        self.root = self.top[-1][0] if roots else merkle.EMPTY_ROOT
        self._top_hex = [[node.hex() for node in level] for level in self.top]

    def _store(self, leaves: list[bytes]) -> bytes:
        block = merkle.levels(leaves)
        self._file.write(b"".join(node for level in block for node in level).ljust(self._stride))
        return block[-1][0]

    def _block(self, number: int) -> tuple[str, list[tuple[int, int]], list[str]]:
        """Block `number`'s levels as one hex text, where each level starts in it and how many
        nodes it has, and the path above the block."""
        found = self._blocks.get(number)
        if found is not None:
            return found
        first = number << self.height
        lengths = _lengths(min(1 << self.height, self.size - first))
        self._file.seek(number * self._stride)
        text = self._file.read(sum(lengths) * 32).hex()
        places, offset = [], 0
        for length in lengths[:-1]:
            places.append((offset, length))
            offset += length
        above = []
        index = number
        for level in self._top_hex[:-1]:
            if index ^ 1 < len(level):
                above.append(level[index ^ 1])
            index >>= 1
        if len(self._blocks) >= _CACHED:
            del self._blocks[next(iter(self._blocks))]
        found = self._blocks[number] = (text, places, above)
        return found

    def proof_hex(self, index: int) -> list[str]:
        """The audit path (hex, from the leaf upwards) of leaf `index`, as
        `merkle.inclusion_proof_in_blocks` gives it."""
        if not 0 <= index < self.size:
            raise ValueError(f"leaf {index} is not in a tree of {self.size}")
        text, places, above = self._block(index >> self.height)
        local = index & ((1 << self.height) - 1)
        path = []
        for offset, length in places:
            if local ^ 1 < length:
                at = (offset + (local ^ 1)) * _HEX
                path.append(text[at : at + _HEX])
            local >>= 1
        path += above
        return path

    def close(self) -> None:
        """Closes and removes the file of levels."""
        self._file.close()
        self.path.unlink(missing_ok=True)
