"""A checkpoint extends the last one: its cost follows the entries since, not the ledger's size.

    .venv/bin/python bench/checkpoints.py [--entries 200000] [--since 1000]

Builds a SQLite ledger of ``--entries`` entries (token records, written through the ledger), makes
a checkpoint, appends ``--since`` more, and times the next checkpoint (stored frontier extended by
the new entries, signed, stored, written to a file). The baseline, in the same run, is the tree
hash rebuilt from every entry (what a checkpoint would cost without the stored frontier); both
roots are compared.
"""

from __future__ import annotations

import argparse
import base64
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from callkeep.config import Settings
from callkeep.domains import load_models
from callkeep.kit.db import Base
from callkeep.kit.runtime import Runtime, build_runtime
from callkeep.ledger import checkpoints, merkle
from callkeep.ledger import service as ledger
from callkeep.ledger.models import LedgerEntry
from callkeep.records.parties.models import Seller


def _append(rt: Runtime, count: int, start: int) -> None:
    rows = [
        {
            "name": f"Seller {i}",
            "slug": f"seller-{i}",
            "is_default": False,
            "screen_litigators": False,
        }
        for i in range(start, start + count)
    ]
    with rt.db.transaction() as session:
        for chunk in range(0, len(rows), 10_000):
            ledger.record_many(
                session=session, actor="bench", model=Seller, rows=rows[chunk : chunk + 10_000]
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--since", type=int, default=1_000)
    args = parser.parse_args()
    load_models()
    with tempfile.TemporaryDirectory(prefix="ck-bench-cp-") as folder:
        rt = build_runtime(Settings(data_dir=Path(folder)))
        Base.metadata.create_all(rt.db.engine)
        _append(rt, args.entries, 0)
        started = time.perf_counter()
        checkpoints.make(rt=rt)
        first = time.perf_counter() - started
        _append(rt, args.since, args.entries)
        started = time.perf_counter()
        made = checkpoints.make(rt=rt)
        extended = time.perf_counter() - started
        started = time.perf_counter()
        with rt.db.transaction(read_only=True) as session:
            leaves = [
                bytes.fromhex(h)
                for h in session.scalars(select(LedgerEntry.hash).order_by(LedgerEntry.seq))
            ]
        rebuilt = merkle.root(leaves)
        baseline = time.perf_counter() - started
        assert rebuilt == base64.b64decode(made.root_hash), "the extended tree differs"
        rt.db.dispose()
    print(f"ledger: {args.entries + args.since:,} entries")
    print(f"first checkpoint (the whole tree, once): {first * 1000:8.1f} ms")
    print(f"next checkpoint after {args.since:,} entries: {extended * 1000:8.1f} ms")
    print(f"baseline, tree rebuilt from every entry: {baseline * 1000:8.1f} ms")
    print(f"ratio: {baseline / extended:.1f}x; roots equal")


if __name__ == "__main__":
    main()
