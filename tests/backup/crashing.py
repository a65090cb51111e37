"""Runs callkeep's command line with a pause at one named point, for a test to kill it there.

``python tests/backup/crashing.py POINT MARKER callkeep-args...``: when the run reaches POINT it
writes MARKER and sleeps until killed. Nothing in callkeep knows about this: the points are
callkeep's own functions, wrapped from outside before the command runs.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _pause(marker: Path) -> None:
    marker.write_text("reached")
    while True:
        time.sleep(60)


def _wrap(
    owner: Any,
    name: str,
    marker: Path,
    *,
    after: bool,
    when: Callable[..., bool] = lambda *_a, **_k: True,
) -> None:
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not after and when(*args, **kwargs):
            _pause(marker)
        result = original(*args, **kwargs)
        if after and when(*args, **kwargs):
            _pause(marker)
        return result

    setattr(owner, name, wrapper)


def _nth(count: int) -> Callable[..., bool]:
    calls = [0]

    def when(*_args: Any, **_kwargs: Any) -> bool:
        calls[0] += 1
        return calls[0] == count

    return when


def install(point: str, marker: Path) -> None:
    from callkeep.backup import service as backup
    from callkeep.ledger import service as ledger
    from callkeep.lists import imports, index, parse

    points: dict[str, Callable[[], None]] = {
        # a list import: reading the file; its snapshot written under a temporary name; renamed
        # into place; recorded in the ledger but not committed
        "list-reading": lambda: _wrap(parse, "read_numbers", marker, after=False),
        "list-written": lambda: _wrap(index._AtomicFile, "finish", marker, after=False),
        "list-renamed": lambda: _wrap(imports, "_write_version", marker, after=True),
        "list-recorded": lambda: _wrap(
            ledger,
            "record",
            marker,
            after=True,
            when=lambda *_a, **k: type(k.get("entity")).__name__ == "ListVersion",
        ),
        # a backup: half the tables dumped; the zip complete but not renamed; renamed but not
        # yet verified
        "backup-dumping": lambda: _wrap(backup, "dump_table", marker, after=True, when=_nth(5)),
        "backup-complete": lambda: _wrap(backup, "_write", marker, after=True),
        "backup-unverified": lambda: _wrap(backup, "check", marker, after=False),
        # a bulk write of calls: every row and ledger entry inserted, not committed
        "calls-inserted": lambda: _wrap(
            ledger,
            "insert_together",
            marker,
            after=True,
            when=lambda _session, parts: sum(len(rows) for _table, rows in parts) > 2,
        ),
    }
    points[point]()


if __name__ == "__main__":
    point, marker = sys.argv[1], Path(sys.argv[2])
    install(point, marker)
    if sys.argv[3] == "--python":  # a script instead of a command: the bulk call writer
        sys.argv = sys.argv[4:]
        exec(compile(Path(sys.argv[0]).read_text(), sys.argv[0], "exec"), {"__name__": "__main__"})
    else:
        sys.argv = ["callkeep", *sys.argv[3:]]
        from callkeep.cli import main

        main()
