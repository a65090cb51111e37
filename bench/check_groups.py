"""CPU of one group commit of pre-call checks, in process: no HTTP, no other thread.

    .venv/bin/python bench/check_groups.py [--postgres SERVER_URL] [--groups 600] [--parts]

The world of `bench/check_api.py` (a national list of 500,000 numbers, a day's history of
100,000 calls, 20,000 numbers on the seller's own list), on SQLite or a scratch database on the
PostgreSQL server of `--postgres`; then groups of 1, 2 and 4 checks, each through
`checks.service.decide_and_store` in its own write transaction as the server's group commit
writes them, with none and then every number one called earlier that day (whose calls are
read). Prints the CPU (`time.thread_time`) and the wall time a group, beside the baseline of a
write transaction of one `SELECT 1` in the same run. `--parts` also times the group's parts (the seller's
look-up, the records' facts, the lists, the ledger's write), by wrapping them. Not a test: it
prints figures, it does not assert them.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import check_api
import numpy as np
import worlds
from sqlalchemy import text

from callkeep.checks import peers, service
from callkeep.checks.schemas import CheckIn
from callkeep.ledger import service as ledger

_PARTS = (
    (peers, "resolve_seller"),
    (peers, "phone_facts"),
    (peers, "lookup_many"),
    (service, "decide"),
    (ledger, "record_many"),
)


def timed_parts(spent: collections.Counter[str]) -> None:
    """Wraps each of `_PARTS` so that its CPU is added to `spent` under its name."""
    for module, name in _PARTS:
        original: Callable[..., Any] = getattr(module, name)

        @functools.wraps(original)
        def wrapper(
            *args: Any, _f: Callable[..., Any] = original, _n: str = name, **kw: Any
        ) -> Any:
            started = time.thread_time()
            try:
                return _f(*args, **kw)
            finally:
                spent[_n] += time.thread_time() - started

        setattr(module, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL")
    parser.add_argument("--groups", type=int, default=600, help="groups timed per kind")
    parser.add_argument("--parts", action="store_true", help="also time each part of a group")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(worlds.scratch_postgres(args.postgres)) if args.postgres else ""
        rt = check_api.seeded(Path(stack.enter_context(tempfile.TemporaryDirectory())), url)
        stack.callback(rt.db.dispose)
        called = check_api.called_numbers()
        rng = np.random.default_rng(9)

        def group(size: int, recalled: bool) -> None:
            numbers = rng.integers(2_000_000, 10_000_000, size=size) + 2_070_000_000
            if recalled:
                numbers = rng.choice(called, size=size)
            checks = [("token:bench", CheckIn(phone=f"+1{n}")) for n in numbers.tolist()]
            with rt.db.transaction() as session:
                outcomes = service.decide_and_store(session, checks)
            if any(isinstance(o, Exception) for o in outcomes):
                raise RuntimeError(f"a check failed: {outcomes}")

        def empty() -> None:
            with rt.db.transaction() as session:
                session.execute(text("SELECT 1"))

        def measure(run: Callable[[], None]) -> tuple[float, float]:
            cpu, wall = time.thread_time(), time.perf_counter()
            for _ in range(args.groups):
                run()
            return (
                1e6 * (time.thread_time() - cpu) / args.groups,
                1e6 * (time.perf_counter() - wall) / args.groups,
            )

        for _ in range(200):  # caches filled, statements prepared
            group(1, False)
        engine = "PostgreSQL" if url else "SQLite"
        base_cpu, base_wall = measure(empty)
        print(f"{engine}, {args.groups} groups a kind, µs a group (CPU / wall):")
        print(f"  baseline, a write transaction of SELECT 1: {base_cpu:7.0f} / {base_wall:7.0f}")
        spent: collections.Counter[str] = collections.Counter()
        if args.parts:
            timed_parts(spent)
        for recalled in (False, True):
            for size in (1, 2, 4):
                spent.clear()
                cpu, wall = measure(functools.partial(group, size, recalled))
                kind = "called today" if recalled else "not called today"
                line = f"  {size} check(s), numbers {kind}: {cpu:7.0f} / {wall:7.0f}"
                if args.parts:
                    line += (
                        "  ("
                        + ", ".join(
                            f"{name} {1e6 * spent[name] / args.groups:.0f}" for _m, name in _PARTS
                        )
                        + ")"
                    )
                print(line)


if __name__ == "__main__":
    main()
