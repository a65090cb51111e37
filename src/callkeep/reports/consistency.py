"""A newer checkpoint for a package already handed over, with the proof that links the two.

A recipient holding a package (the ledger of `size` entries, signed) may later ask whether the
ledger has only grown since: callkeep signs a checkpoint of the ledger as it is now and gives the
RFC 6962 consistency proof from the package's tree to it. `verify.py --newer FILE` checks both
with nothing but the standard library.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from callkeep.errors import InvalidInput
from callkeep.kit.runtime import Runtime
from callkeep.ledger import checkpoints, merkle
from callkeep.ledger.models import LedgerEntry
from callkeep.reports import package_verify


def package_size(path: Path) -> int:
    """The ledger size a package's checkpoint.json names; InvalidInput if it cannot be read."""
    try:
        found = json.loads(package_verify.read_member(path, package_verify.CHECKPOINT))
        return int(found["size"])
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise InvalidInput.for_field(
            "file", f"{path}: no readable checkpoint.json ({exc})"
        ) from None


def newer(*, rt: Runtime, package: Path) -> dict[str, Any]:
    """The ledger's checkpoint now (signed) and the consistency proof from `package`'s."""
    size = package_size(package)
    made = checkpoints.make(rt=rt)
    with rt.db.transaction(read_only=True) as session:
        leaves = [
            bytes.fromhex(h)
            for h in session.scalars(
                select(LedgerEntry.hash)
                .where(LedgerEntry.seq <= made.size)
                .order_by(LedgerEntry.seq)
                .execution_options(yield_per=20_000)
            )
        ]
    if not 0 < size <= len(leaves):
        raise InvalidInput.for_field(
            "file", f"the package's ledger of {size} entries is not part of this ledger"
        )
    proof = merkle.consistency_proof(leaves, size)
    return {
        "checkpoint": made.note,
        "from_size": size,
        "to_size": made.size,
        "proof": [node.hex() for node in proof],
        "how": "RFC 9162 2.1.4 consistency proof from the package's tree to this checkpoint's",
    }
