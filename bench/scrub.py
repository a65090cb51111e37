"""Benchmark: bulk scrub of a lead file, CSV in -> CSV out, lists + rules, on one core.

Builds a temporary data directory, imports a synthetic national registry through the lists
domain's import, writes a lead file (id, name, phone; a share of the numbers on the registry, some
formatted, some invalid), scrubs it end to end with `callkeep scrub`'s code path, and compares with
an indexed-SQLite implementation of the same decision measured on a sample in the same run.

With `--quoted`, a CRM export of the same numbers is scrubbed too: every field quoted, CRLF, a
BOM, a tenth of the numbers formatted, notes holding commas, doubled quotes and line breaks. Each
file is scrubbed in this process (the scrub alone, median of `--repeat` runs) and by the
installed `callkeep scrub` as a whole process (start-up, index loading and all).

    .venv/bin/python bench/scrub.py                       # 10 M rows against 50 M numbers
    .venv/bin/python bench/scrub.py --rows 500000 --national 5000000 --quoted
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import functools
import io
import os
import pstats
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import worlds
from lead_files import (
    POWERS,
    delimited,
    dialable_codes,
    write_crm_export,
    write_leads,
    write_national,
    write_workbook,
)

from callkeep.checks import scrub
from callkeep.checks.engine import REASONS
from callkeep.checks.schemas import ScrubSummary
from callkeep.kit.clock import utcnow
from callkeep.kit.runtime import Runtime
from callkeep.phone.geo import place_of_number
from callkeep.phone.parse import try_normalize
from callkeep.rules.hours import judge_time


def scrub_in_process(
    rt: Runtime, leads: Path, out: Path, at: datetime
) -> tuple[float, float, ScrubSummary]:
    """Seconds the scrub of `leads` takes in this process (wall clock, and CPU time: on a
    loaded machine the latter is what one core gives), and its summary."""
    started, cpu = time.perf_counter(), time.process_time()
    with rt.db.transaction() as session, leads.open("rb") as handle:
        summary = scrub.scrub_file(
            session=session,
            actor="bench",
            source=handle,
            source_name=leads.name,
            out_path=out,
            phone_column=None,
            seller=None,
            campaign=None,
            at=at.isoformat(),
        )
    return time.perf_counter() - started, time.process_time() - cpu, summary


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def scrub_as_process(
    data_dir: Path, leads: Path, out: Path, at: datetime, *, one_core: bool = False
) -> tuple[float, float]:
    """Seconds a whole `callkeep scrub` process takes on `leads`, wall clock and CPU; with
    `one_core`, the process (its output thread too) is held to one core. The output of an
    earlier run is removed first, outside the timing: each run writes a new file, as the first
    scrub of a file does, and none pays for freeing the one before."""
    command = Path(sys.executable).with_name("callkeep")
    env = {**os.environ, "CALLKEEP_DATA_DIR": str(data_dir)}
    out.unlink(missing_ok=True)
    core = min(os.sched_getaffinity(0))
    started, cpu = time.perf_counter(), children_cpu()
    subprocess.run(
        [str(command), "scrub", str(leads), "--out", str(out), "--at", at.isoformat()],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        preexec_fn=(lambda: os.sched_setaffinity(0, {core})) if one_core else None,
    )
    return time.perf_counter() - started, children_cpu() - cpu


class SqliteBaseline:
    """The same decision, row by row, against an indexed SQLite copy of the registry."""

    def __init__(self, db_path: Path, national_file: Path, at: datetime) -> None:
        self.conn = sqlite3.connect(db_path)
        self.conn.execute("CREATE TABLE national (number INTEGER PRIMARY KEY) WITHOUT ROWID")
        self.conn.execute("CREATE TABLE entity (number INTEGER PRIMARY KEY) WITHOUT ROWID")
        with national_file.open("rb") as handle:
            while True:
                block = handle.read(11 * 1_000_000)
                if not block:
                    break
                values = (np.frombuffer(block, dtype=np.uint8).reshape(-1, 11)[:, :10] - 48).astype(
                    np.int64
                ) @ POWERS
                self.conn.executemany(
                    "INSERT OR IGNORE INTO national VALUES (?)", ((int(v),) for v in values)
                )
        self.conn.commit()
        self.at = at

    @functools.cache  # noqa: B019 - one baseline per run
    def _prefix_codes(self, prefix: str) -> tuple[str, ...]:
        place = place_of_number(f"+1{prefix}0000")
        return tuple(judge_time(at=self.at, states=place.states, zones=place.zones).codes)

    def time_codes(self, phone: str) -> tuple[str, ...]:
        """Time rules, evaluated once per NPA-NXX prefix (as a sensible implementation would)."""
        return self._prefix_codes(phone[2:8])

    def scrub(self, source: Path, out: io.StringIO, sample: int, delimiter: str = ",") -> int:
        reader = csv.reader(source.open(newline="", encoding="utf-8-sig"), delimiter=delimiter)
        writer = csv.writer(out)
        header = next(reader)
        writer.writerow([*header, "callkeep_phone", "callkeep_status", "callkeep_reasons"])
        column = scrub.find_phone_column(header, None)
        done = 0
        for row in reader:
            if done >= sample:
                break
            phone = try_normalize(row[column])
            if phone is None:
                writer.writerow([*row, "", "invalid", "invalid_number"])
            else:
                number = int(phone[2:])
                codes = []
                if self.conn.execute("SELECT 1 FROM entity WHERE number=?", (number,)).fetchone():
                    codes.append("entity_dnc")
                if self.conn.execute("SELECT 1 FROM national WHERE number=?", (number,)).fetchone():
                    codes.append("national_dnc")
                codes.extend(self.time_codes(phone))
                codes.sort(key=REASONS.index)
                status = "blocked" if codes else "allowed"
                writer.writerow([*row, phone, status, ";".join(codes)])
            done += 1
        return done


def larger_process(
    args: argparse.Namespace,
    work: Path,
    label: str,
    writer: Callable[[Path, int, np.ndarray, np.random.Generator], None],
    codes: np.ndarray,
    rng: np.random.Generator,
    at: datetime,
    small_cpu: float,
) -> tuple[float, float]:
    """Whole `callkeep scrub` processes on a file of `args.whole_rows` rows of the same kind:
    the start-up is paid once, so its share shows beside the `args.rows` process (`small_cpu`
    seconds); the added rows' rate is the difference of the two, rows over CPU seconds.
    Returns the median CPU seconds and that rate."""
    leads = work / f"larger-{label}.csv"
    writer(leads, args.whole_rows, codes, rng)
    out = work / f"larger-{label}-out.csv"
    runs = [scrub_as_process(work / "data", leads, out, at) for _ in range(args.whole_repeat)]
    pinned = [
        scrub_as_process(work / "data", leads, out, at, one_core=True)
        for _ in range(args.whole_repeat)
    ]
    leads.unlink()
    cpu = statistics.median(c for _, c in runs)
    wall = statistics.median(t for t, _ in runs)
    one_core = statistics.median(t for t, _ in pinned)
    added = (args.whole_rows - args.rows) / (cpu - small_cpu)
    print(
        f"  whole `callkeep scrub` process ({label}, {args.whole_rows:,} rows): {wall:.2f} s = "
        f"{args.whole_rows / wall:,.0f} rows/s; CPU {cpu:.2f} s = {args.whole_rows / cpu:,.0f} "
        f"rows/s (medians of {len(runs)}: CPU {', '.join(f'{c:.2f}' for _, c in runs)} s); "
        f"held to one core {one_core:.2f} s = {args.whole_rows / one_core:,.0f} rows/s (wall "
        f"{', '.join(f'{t:.2f}' for t, _ in pinned)} s); "
        f"the {args.whole_rows - args.rows:,} rows more than the {args.rows:,}-row process "
        f"cost {cpu - small_cpu:.2f} s of CPU = {added:,.0f} rows/s"
    )
    return cpu, added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--national", type=int, default=50_000_000)
    parser.add_argument("--area-codes", type=int, default=60)
    parser.add_argument("--baseline-rows", type=int, default=200_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--profile", action="store_true", help="print where the scrub spends time")
    parser.add_argument("--quoted", action="store_true", help="a CRM-style quoted export too")
    parser.add_argument(
        "--delimited", action="store_true", help="the plain file tab- and pipe-separated too"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each scrub (median)")
    parser.add_argument("--xlsx", type=int, default=0, help="rows of an Excel workbook to scrub")
    parser.add_argument(
        "--whole-rows",
        type=int,
        default=0,
        help="also time whole `callkeep scrub` processes on a file of this many rows of each kind",
    )
    parser.add_argument("--whole-repeat", type=int, default=3, help="runs of each larger process")
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    work = Path(tempfile.mkdtemp(prefix="callkeep-bench-scrub-"))
    try:
        rt = worlds.fresh_runtime(work / "data")
        codes = dialable_codes()
        codes = np.sort(rng.choice(codes, size=min(args.area_codes, codes.size), replace=False))
        national = work / "national.txt"
        started = time.perf_counter()
        listed = write_national(national, args.national, codes, rng)
        print(
            f"national file: {listed:,} numbers, {national.stat().st_size / 1e6:.0f} MB over "
            f"{codes.size} area codes ({time.perf_counter() - started:.1f} s)"
        )
        worlds.add_seller(rt)
        started = time.perf_counter()
        report = worlds.import_list(rt, national, as_of=(utcnow() - timedelta(days=1)).date())
        print(
            f"national import through the lists domain: {report.numbers_read:,} numbers read, "
            f"{report.added:,} on the list, in {time.perf_counter() - started:.1f} s"
        )
        files = [("plain", work / "leads.csv", write_leads)]
        if args.quoted:
            files.append(("quoted", work / "crm-export.csv", write_crm_export))
        if args.delimited:
            files.append(("tab", work / "leads.tsv", delimited(b"\t")))
            files.append(("pipe", work / "leads.txt", delimited(b"|")))
        at = utcnow().replace(hour=17, minute=0, second=0)  # midday in every contiguous zone
        baseline = SqliteBaseline(work / "baseline.db", national, at)
        if args.xlsx:
            book = work / "leads.xlsx"
            write_workbook(book, args.xlsx, codes, rng)
            seconds, cpu, summary = scrub_in_process(rt, book, work / "scrubbed-xlsx.csv", at)
            print(
                f"xlsx workbook: {summary.rows:,} rows, {book.stat().st_size / 1e6:.1f} MB, scrubbed "
                f"in {seconds:.2f} s = {summary.rows / seconds:,.0f} rows/s; CPU {cpu:.2f} s = "
                f"{summary.rows / cpu:,.0f} rows/s (openpyxl, read-only mode, reads the cells)"
            )
        for label, leads, writer in files:
            started = time.perf_counter()
            writer(leads, args.rows, codes, rng)
            print(
                f"{label} lead file: {args.rows:,} rows, {leads.stat().st_size / 1e6:.0f} MB "
                f"({time.perf_counter() - started:.1f} s)"
            )
            out = work / f"scrubbed-{label}.csv"
            profiler = cProfile.Profile(time.process_time) if args.profile else None
            if profiler is not None:
                profiler.enable()
            runs = [scrub_in_process(rt, leads, out, at) for _ in range(args.repeat)]
            if profiler is not None:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
            elapsed = statistics.median(t for t, _, _ in runs)
            cpu = statistics.median(c for _, c, _ in runs)
            summary = runs[-1][2]
            fast_rate = summary.rows / elapsed
            print(
                f"  scrub alone ({label}): {summary.rows:,} rows in {elapsed:.2f} s = "
                f"{fast_rate:,.0f} rows/s; CPU {cpu:.2f} s = {summary.rows / cpu:,.0f} rows/s "
                f"(medians of {len(runs)}: wall {', '.join(f'{t:.2f}' for t, _, _ in runs)} s, "
                f"CPU {', '.join(f'{c:.2f}' for _, c, _ in runs)} s; "
                f"{summary.allowed:,} allowed, {summary.blocked:,} blocked, "
                f"{summary.invalid:,} invalid)"
            )
            process_runs = [
                scrub_as_process(work / "data", leads, work / f"process-{label}.csv", at)
                for _ in range(args.repeat)
            ]
            process = statistics.median(t for t, _ in process_runs)
            process_cpu = statistics.median(c for _, c in process_runs)
            process_rate = summary.rows / process
            print(
                f"  whole `callkeep scrub` process ({label}): {process:.2f} s = "
                f"{process_rate:,.0f} rows/s; CPU {process_cpu:.2f} s = "
                f"{summary.rows / process_cpu:,.0f} rows/s (medians of {len(process_runs)}: "
                f"wall {', '.join(f'{t:.2f}' for t, _ in process_runs)} s)"
            )
            sink = io.StringIO()
            started, base_cpu = time.perf_counter(), time.process_time()
            delimiter = {"tab": "\t", "pipe": "|"}.get(label, ",")
            done = baseline.scrub(leads, sink, args.baseline_rows, delimiter)
            base_rate = done / (time.perf_counter() - started)
            base_cpu_rate = done / (time.process_time() - base_cpu)
            print(
                f"  indexed-SQLite baseline ({label}, sample of {done:,} rows, same decision row "
                f"by row): {base_rate:,.0f} rows/s; CPU {base_cpu_rate:,.0f} rows/s"
            )
            print(
                f"  speed-up ({label}, CPU): scrub alone {summary.rows / cpu / base_cpu_rate:.1f}x,"
                f" whole process {summary.rows / process_cpu / base_cpu_rate:.1f}x"
            )
            # the sample's decisions agree with the scrub's
            with out.open(newline="", encoding="utf-8-sig") as fast_rows:
                fast_reader = csv.reader(fast_rows, delimiter=delimiter)
                base_reader = csv.reader(io.StringIO(sink.getvalue()))
                differing = [
                    (a, b)
                    for _, a, b in zip(range(done + 1), fast_reader, base_reader, strict=False)
                    if a[-3:] != b[-3:]
                ]
            for a, b in differing[:3]:
                print(f"  differs: scrub {a} / baseline {b}")
            print(f"  baseline sample rows that differ from the scrub: {len(differing)}")
            if args.whole_rows:
                larger, added = larger_process(
                    args, work, label, writer, codes, rng, at, process_cpu
                )
                print(
                    f"  speed-up ({label}, CPU, against the same baseline): whole process "
                    f"{summary.rows / process_cpu / base_cpu_rate:.1f}x at {args.rows:,} rows, "
                    f"{args.whole_rows / larger / base_cpu_rate:.1f}x at {args.whole_rows:,} rows; "
                    f"the added rows alone {added / base_cpu_rate:.1f}x"
                )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
