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

from callkeep.checks import scrub
from callkeep.checks.engine import REASONS
from callkeep.checks.schemas import ScrubSummary
from callkeep.kit.clock import utcnow
from callkeep.kit.runtime import Runtime
from callkeep.phone.geo import place_of_number, prefix_validity
from callkeep.phone.parse import try_normalize
from callkeep.rules.hours import judge_time

POWERS = 10 ** np.arange(9, -1, -1, dtype=np.int64)


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """The decimal digits of `values` as ASCII, `width` columns."""
    text = np.empty((values.size, width), dtype=np.uint8)
    rest = values.copy()
    for column in range(width - 1, -1, -1):
        text[:, column] = rest % 10 + 48
        rest //= 10
    return text


def dialable_codes() -> np.ndarray:
    """Area codes whose every exchange 200-999 but the N11 ones is dialable (so random numbers
    are valid but for those)."""
    table = prefix_validity().reshape(1000, 1000)
    exchanges = np.array([x for x in range(200, 1000) if x % 100 != 11])
    return np.flatnonzero((table[:, exchanges] == 1).all(axis=1))


def write_national(path: Path, count: int, codes: np.ndarray, rng: np.random.Generator) -> int:
    """Writes at least `count` distinct numbers spread over `codes`; returns how many."""
    per_code = -(-count // codes.size)
    written = 0
    with path.open("wb") as out:
        for code in codes.tolist():
            picks = np.zeros(0, dtype=np.int64)
            while picks.size < per_code:
                more = rng.integers(2_000_000, 10_000_000, size=per_code - picks.size)
                more = more[(more // 10_000) % 100 != 11]  # no N11 exchanges (lists refuses them)
                picks = np.unique(np.concatenate((picks, more)))
            lines = np.empty((picks.size, 11), dtype=np.uint8)
            lines[:, :10] = digits(picks + code * 10_000_000, 10)
            lines[:, 10] = 10
            out.write(lines.tobytes())
            written += picks.size
    return written


def write_leads(path: Path, rows: int, codes: np.ndarray, rng: np.random.Generator) -> None:
    """id,name,phone rows: 10-digit numbers, a few formatted ones and a few invalid ones."""
    with path.open("wb") as out:
        out.write(b"id,name,phone\r\n")
        step = 1_000_000
        for start in range(0, rows, step):
            n = min(step, rows - start)
            numbers = rng.choice(codes, size=n) * 10_000_000 + rng.integers(
                2_000_000, 10_000_000, size=n
            )
            line = np.empty((n, 8 + 1 + 4 + 1 + 10 + 2), dtype=np.uint8)
            line[:, 0:8] = digits(np.arange(start, start + n, dtype=np.int64), 8)
            line[:, 8] = ord(",")
            line[:, 9:13] = np.frombuffer(b"Lead", dtype=np.uint8)
            line[:, 13] = ord(",")
            line[:, 14:24] = digits(numbers, 10)
            line[:, 24:26] = np.frombuffer(b"\r\n", dtype=np.uint8)
            invalid = rng.random(n) < 0.01
            line[invalid, 14] = ord("1")  # area code starting with 1: not dialable
            out.write(line.tobytes())
            out.write(b"99999999,Lead,(207) 555-0123\r\n")


NOTES = (
    b'""',
    b'""',
    b'""',
    b'"Called twice, no answer"',
    b'"Spoke to Jane, call back after 5"',
    b'"She said ""not before noon"""',
    b'"Line one\r\nline two, with a comma"',
    b'"Address: 12 Main St.\nApt 4"',
)


def write_crm_export(path: Path, rows: int, codes: np.ndarray, rng: np.random.Generator) -> None:
    """A CRM export of leads: BOM, CRLF, every field quoted, a tenth of the phones formatted as
    typed, notes with commas, doubled quotes and line breaks inside the quotes."""
    with path.open("wb") as out:
        out.write(b'\xef\xbb\xbf"Lead ID","Full Name","Company","Phone","Notes"\r\n')
        step = 200_000
        for start in range(0, rows, step):
            n = min(step, rows - start)
            numbers = (
                rng.choice(codes, size=n) * 10_000_000 + rng.integers(2_000_000, 10_000_000, size=n)
            ).tolist()
            formatted = (rng.random(n) < 0.1).tolist()
            invalid = (rng.random(n) < 0.01).tolist()
            notes = rng.integers(0, len(NOTES), size=n).tolist()
            lines = []
            for i in range(n):
                text = str(numbers[i])
                if invalid[i]:
                    text = "1" + text[1:]
                if formatted[i]:
                    text = f"({text[:3]}) {text[3:6]}-{text[6:]}"
                lines.append(
                    b'"%08d","Lead %d","Acme, Inc.","%s",%s\r\n'
                    % (start + i, start + i, text.encode(), NOTES[notes[i]])
                )
            out.write(b"".join(lines))


def delimited(delimiter: bytes) -> Callable[[Path, int, np.ndarray, np.random.Generator], None]:
    """The plain lead file's writer, with `delimiter` between fields (tab- and pipe-separated
    files with a header, as VICIdial's loader and many CRMs take them)."""

    def write(path: Path, rows: int, codes: np.ndarray, rng: np.random.Generator) -> None:
        write_leads(path, rows, codes, rng)
        path.write_bytes(path.read_bytes().replace(b",", delimiter))

    return write


def write_workbook(path: Path, rows: int, codes: np.ndarray, rng: np.random.Generator) -> None:
    """An Excel workbook of leads (openpyxl, write-only): phones stored as numbers, a tenth as
    text formatted as typed."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["Lead ID", "Full Name", "Company", "Phone", "Notes"])
    numbers = (
        rng.choice(codes, size=rows) * 10_000_000 + rng.integers(2_000_000, 10_000_000, size=rows)
    ).tolist()
    for i, number in enumerate(numbers):
        text = str(number)
        phone: int | str = f"({text[:3]}) {text[3:6]}-{text[6:]}" if i % 10 == 0 else number
        sheet.append([i, f"Lead {i}", "Acme, Inc.", phone, "call back after 5, not before"])
    book.save(path)


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


def scrub_as_process(data_dir: Path, leads: Path, out: Path, at: datetime) -> tuple[float, float]:
    """Seconds a whole `callkeep scrub` process takes on `leads`, wall clock and CPU."""
    command = Path(sys.executable).with_name("callkeep")
    env = {**os.environ, "CALLKEEP_DATA_DIR": str(data_dir)}
    started, cpu = time.perf_counter(), children_cpu()
    subprocess.run(
        [str(command), "scrub", str(leads), "--out", str(out), "--at", at.isoformat()],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
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
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
