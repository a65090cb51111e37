"""Benchmark: national-scale Do-Not-Call list import, index size, load time and look-ups.

Generates a synthetic national registry in FTC format (one 10-digit number per line, sorted,
over ~400 real area codes), imports it with `callkeep lists import`'s code path, and compares
with an indexed SQLite table built from a sample of the same numbers in the same run.

    .venv/bin/python bench/lists.py --numbers 10000000
    .venv/bin/python bench/lists.py --numbers 258000000 --baseline-rows 20000000
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import worlds

from callkeep.kit.clock import utcnow
from callkeep.lists import index, parse, service

SUBSCRIBERS = 10_000_000
_FRESH_LOAD = """
import os, sys, time
import numpy as np
from callkeep.lists.index import Snapshot


def rss():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6

before = rss()
started = time.perf_counter()
snapshot = Snapshot(__import__("pathlib").Path(sys.argv[1]))
opened = time.perf_counter() - started
total = 0
if snapshot.dense is not None:
    total += int(np.asarray(snapshot.dense[:, ::4096]).sum())
if snapshot.sparse.size:
    total += int(np.asarray(snapshot.sparse[::512]).sum())
resident = time.perf_counter() - started
print(f"open {opened * 1000:.1f} ms, every page resident after {resident * 1000:.0f} ms, "
      f"resident {rss() - before:.0f} MB")
"""


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def area_codes(count: int, rng: np.random.Generator) -> np.ndarray:
    table = np.flatnonzero(parse.area_code_table())
    return np.sort(rng.choice(table, size=min(count, table.size), replace=False))


def generate(path: Path, numbers: int, codes: np.ndarray, rng: np.random.Generator) -> int:
    """Writes `numbers` distinct sorted numbers, spread over `codes`, one per line."""
    per_code = np.full(codes.size, numbers // codes.size)
    per_code[: numbers - per_code.sum()] += 1
    written = 0
    with open(path, "wb") as out:
        for code, count in zip(codes.tolist(), per_code.tolist(), strict=True):
            # distinct subscriber numbers with exchanges 200-999 (no N11 exchanges)
            pool = 8_000_000
            picks = rng.choice(pool, size=min(count, pool), replace=False)
            subscribers = np.sort(picks + 2_000_000)
            exchange = subscribers // 10_000
            subscribers = subscribers[exchange % 100 != 11]
            values = subscribers + code * SUBSCRIBERS
            text = np.empty((values.size, 11), dtype=np.uint8)
            rest = values.copy()
            for column in range(9, -1, -1):
                text[:, column] = rest % 10 + 48
                rest //= 10
            text[:, 10] = 10
            out.write(text.tobytes())
            written += values.size
    return written


def write_change_list(path: Path, deletions: np.ndarray, additions: np.ndarray) -> None:
    """Writes `AAA,NNNNNNN,D` and `AAA,NNNNNNN,A` lines."""
    values = np.concatenate([deletions, additions])
    flags = np.concatenate(
        [np.full(deletions.size, ord("D")), np.full(additions.size, ord("A"))]
    ).astype(np.uint8)
    text = np.empty((values.size, 14), dtype=np.uint8)
    rest = values.copy()
    for column in (10, 9, 8, 7, 6, 5, 4, 2, 1, 0):
        text[:, column] = rest % 10 + 48
        rest //= 10
    text[:, 3] = ord(",")
    text[:, 11] = ord(",")
    text[:, 12] = flags
    text[:, 13] = 10
    path.write_bytes(text.tobytes())


def read_sample(path: Path, rows: int) -> np.ndarray:
    raw = np.fromfile(path, dtype=np.uint8, count=rows * 11).reshape(-1, 11)[:, :10]
    return (raw.astype(np.int64) - 48) @ (10 ** np.arange(9, -1, -1, dtype=np.int64))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--numbers", type=int, default=10_000_000)
    parser.add_argument("--area-codes", type=int, default=400)
    parser.add_argument("--lookups", type=int, default=10_000_000)
    parser.add_argument("--baseline-rows", type=int, default=10_000_000)
    parser.add_argument("--baseline-lookups", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temp dir)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="callkeep-bench-", dir=args.dir))
    rng = np.random.default_rng(20261129)
    try:
        rt = worlds.fresh_runtime(work / "data")
        settings = rt.settings

        codes = area_codes(args.area_codes, rng)
        source = work / "national.txt"
        started = time.perf_counter()
        total = generate(source, args.numbers, codes, rng)
        print(
            f"generated {total:,} numbers over {codes.size} area codes "
            f"({source.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - started:.1f} s"
        )

        # --- callkeep import
        started = time.perf_counter()
        report = worlds.import_list(rt, source)
        seconds = time.perf_counter() - started
        print(
            f"callkeep import: {report.size:,} numbers in {seconds:.1f} s = "
            f"{report.size / seconds / 1e6:.2f} M numbers/s (SHA-256 pass included; "
            f"{report.unreadable} unreadable)"
        )
        snap = settings.snapshot_dir / f"{report.version_id}.snap"
        print(
            f"callkeep index on disk: {snap.stat().st_size / 1e6:.1f} MB "
            f"({snap.stat().st_size / report.size:.2f} bytes/number)"
        )

        # --- load: open the memory map, then fault every page in
        index.CACHE.clear()
        before = rss_mb()
        started = time.perf_counter()
        with rt.db.transaction(read_only=True) as session:
            version = service.latest_version(session=session, name="national")
            assert version is not None
            loaded = service.version_index(
                session=session, folder=settings.snapshot_dir, version=version
            )
        opened = time.perf_counter() - started
        started = time.perf_counter()
        touched = 0
        if loaded.snapshot.dense is not None:
            touched += int(np.asarray(loaded.snapshot.dense[:, ::4096]).sum())
        if loaded.snapshot.sparse.size:
            touched += int(np.asarray(loaded.snapshot.sparse[::512]).sum())
        paged = time.perf_counter() - started
        print(
            f"callkeep load: open {opened * 1000:.1f} ms, every page resident after "
            f"{(opened + paged) * 1000:.0f} ms; resident index {rss_mb() - before:.0f} MB "
            f"(peak process RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB)"
        )

        # --- load in a fresh process, as a server starting up does
        child = subprocess.run(
            [sys.executable, "-c", _FRESH_LOAD, str(snap)],
            check=True,
            capture_output=True,
            text=True,
        )
        print(f"callkeep load in a fresh process: {child.stdout.strip()}")

        # --- look-ups: half on the list, half random numbers in the same area codes
        on_list = read_sample(source, min(total, 20_000_000))
        half = args.lookups // 2
        queries = np.concatenate(
            [
                rng.choice(on_list, size=half),
                codes[rng.integers(0, codes.size, args.lookups - half)] * SUBSCRIBERS
                + rng.integers(2_000_000, SUBSCRIBERS, args.lookups - half),
            ]
        )
        rng.shuffle(queries)
        with rt.db.transaction(read_only=True) as session:
            service.lookup_many(
                session=session, numbers=queries[:1000], at=utcnow(), seller_slug="default"
            )
            started = time.perf_counter()
            answers = service.lookup_many(
                session=session, numbers=queries, at=utcnow(), seller_slug="default"
            )
            seconds = time.perf_counter() - started
        hits = int(answers[0].hits.sum())
        ours = queries.size / seconds
        print(
            f"callkeep look-ups: {queries.size:,} numbers in {seconds:.2f} s = "
            f"{ours / 1e6:.1f} M/s ({hits:,} hits)"
        )

        # --- a change list of 1 % of the registry (half deletions, half additions)
        changes = work / "change.txt"
        size = max(total // 100, 2)
        deletions = rng.choice(on_list, size // 2, replace=False)
        additions = codes[
            rng.integers(0, codes.size, size - size // 2)
        ] * SUBSCRIBERS + rng.integers(2_000_000, SUBSCRIBERS, size - size // 2)
        write_change_list(changes, deletions, additions)
        started = time.perf_counter()
        changed = worlds.import_list(rt, changes, change=True)
        seconds = time.perf_counter() - started
        stored = next(settings.snapshot_dir.glob(f"{changed.version_id}.*"))
        print(
            f"callkeep change list: {size:,} lines in {seconds:.1f} s = {size / seconds / 1e6:.2f} M "
            f"lines/s; +{changed.added:,} -{changed.removed:,} ({changed.unreadable} unreadable); "
            f"stored as {changed.storage}: {stored.stat().st_size / 1e6:.1f} MB"
        )
        with rt.db.transaction(read_only=True) as session:
            service.lookup_many(
                session=session, numbers=queries[:1000], at=utcnow(), seller_slug="default"
            )
            started = time.perf_counter()
            service.lookup_many(
                session=session, numbers=queries, at=utcnow(), seller_slug="default"
            )
            seconds = time.perf_counter() - started
        print(
            f"callkeep look-ups after the change list (snapshot + delta): {queries.size:,} numbers "
            f"in {seconds:.2f} s = {queries.size / seconds / 1e6:.1f} M/s"
        )

        # --- indexed SQLite baseline on a sample of the same numbers
        rows = min(args.baseline_rows, total)
        sample = read_sample(source, rows)
        db = sqlite3.connect(work / "baseline.db")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE dnc (number INTEGER PRIMARY KEY) WITHOUT ROWID")
        started = time.perf_counter()
        db.executemany("INSERT INTO dnc VALUES (?)", ((int(n),) for n in sample))
        db.commit()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        seconds = time.perf_counter() - started
        print(
            f"SQLite baseline import: {rows:,} rows (a sample) in {seconds:.1f} s = "
            f"{rows / seconds / 1e6:.2f} M numbers/s; "
            f"{(work / 'baseline.db').stat().st_size / rows:.1f} bytes/number on disk"
        )
        probe = queries[: args.baseline_lookups]
        started = time.perf_counter()
        found = 0
        for number in probe.tolist():
            found += (
                db.execute("SELECT 1 FROM dnc WHERE number = ?", (number,)).fetchone() is not None
            )
        seconds = time.perf_counter() - started
        theirs = probe.size / seconds
        print(
            f"SQLite baseline look-ups: {probe.size:,} numbers in {seconds:.2f} s = "
            f"{theirs / 1e6:.2f} M/s ({found:,} hits over its {rows:,}-row sample)"
        )
        print(f"look-up speed-up: {ours / theirs:.0f}x")
        db.close()
        rt.db.dispose()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
