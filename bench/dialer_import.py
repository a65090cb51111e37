"""`calls import` of an Asterisk Master.csv, twice, against a plain executemany baseline.

    .venv/bin/python bench/dialer_import.py [--lines 100000] [--postgres SERVER_URL] [--read-here]

SQLite in a temporary folder (or a scratch database on the PostgreSQL server of `--postgres`,
e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres; the baseline stays SQLite's). Writes a Master.csv of `--lines` CDRs as `cdr/cdr_csv.c` writes
them (every string quoted, integers bare, the answer time of an unanswered call empty, uniqueid
on), then, in one process:

* import: `dialer.imports.import_calls` over the file as `callkeep calls import` runs it (read and
  checked in a process of its own unless `--read-here`; times from America/New_York into UTC,
  completed from the campaign, checked as every call record is, stored with their ledger entries,
  a commit per chunk); budget >= 20,000 records/s;
* again: the same file a second time (every line a repeat, nothing added);
* records' bulk path: the same calls through `records.calls.record_calls` (checks, ledger) in
  chunks of the same size, into the same database: the path the import is built on;
* baseline: the rows the import stored, through a plain `executemany` into a table with the same
  columns, no parsing, no checks, no ledger.

The ledger is verified and the calls counted at the end. Not a test: it prints figures, it does
not assert them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import resource
import sqlite3
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import worlds
from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint, func, select

from callkeep.dialer import imports
from callkeep.ledger import service as ledger
from callkeep.records import models as m
from callkeep.records.calls import service as calls
from callkeep.records.parties import people, sellers
from callkeep.records.parties.schemas import CampaignIn, EmployeeIn
from callkeep.records.schemas import CallIn

EXCHANGES = (784, 783, 774, 942, 786, 795)


def quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def write_master(path: Path, lines: int, rng: random.Random) -> None:
    """`lines` CDRs, as Asterisk appends them to Master.csv."""
    start = datetime(2026, 11, 2, 9, 0, 0)
    with open(path, "w", encoding="utf-8", newline="") as out:
        for i in range(lines):
            began = start + timedelta(seconds=i * 2)
            dst = f"1207{rng.choice(EXCHANGES)}{rng.randint(1000, 9999)}"
            answered = rng.random() < 0.4
            ring = rng.randint(3, 25)
            talk = rng.randint(5, 600) if answered else 0
            ended = began + timedelta(seconds=ring + talk)
            disposition = "ANSWERED" if answered else rng.choice(["NO ANSWER", "BUSY", "FAILED"])
            when = "%Y-%m-%d %H:%M:%S"
            answer = quoted((began + timedelta(seconds=ring)).strftime(when)) if answered else ""
            fields = [
                quoted(""),
                quoted("2077840100"),
                quoted(dst),
                quoted("from-internal"),
                quoted('"ANDRO ENERGY" <2077840100>'),
                quoted(f"SIP/trunk-{i:08x}"),
                quoted(f"SIP/carrier-{i:08x}" if answered else ""),
                quoted("Dial"),
                quoted(f"SIP/carrier/{dst},30"),
                quoted(began.strftime(when)),
                answer,
                quoted(ended.strftime(when)),
                str(ring + talk),
                str(talk),
                quoted(disposition),
                quoted("DOCUMENTATION"),
                quoted(f"{1762092000 + i * 2}.{i}"),
            ]
            out.write(",".join(fields) + "\n")


def setup(folder: Path, database_url: str = ""):  # type: ignore[no-untyped-def]
    rt = worlds.fresh_runtime(folder, database_url)
    worlds.add_seller(rt, name="Androscoggin Home Energy", slug="andro")
    with rt.db.transaction() as session:
        sellers.create_campaign(
            session=session,
            actor="bench",
            campaign_in=CampaignIn.model_validate(
                {
                    "seller": "andro",
                    "slug": "heat-pumps",
                    "subject": "heat pumps",
                    "dialing_mode": "predictive",
                    "caller_id_number": "2077840100",
                    "caller_id_name": "ANDRO ENERGY",
                }
            ),
        )
        people.create_employee(
            session=session,
            actor="bench",
            employee_in=EmployeeIn(name="Claire Fortin", fictitious_names=["Claire F."]),
        )
    return rt


def run_import(rt, path: Path, read_apart: bool) -> tuple[imports.ImportReport, float]:  # type: ignore[no-untyped-def]
    """The import's report and the CPU seconds it cost, its reading process's included (the
    command line reads apart; `--read-here` reads in this process, as a server does)."""
    options = imports.ImportOptions(
        file_format="asterisk-cdr",
        seller="andro",
        campaign="heat-pumps",
        telemarketer="Claire F.",
        timezone="America/New_York",
    )
    cpu = time.process_time() + _children_cpu()
    with imports.opened(path) as handle:
        report = imports.import_calls(
            db=rt.db,
            actor="bench",
            sources=[(path.name, handle)],
            options=options,
            read_apart=read_apart,
        )
    return report, time.process_time() + _children_cpu() - cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def records_path(rt, folder: Path) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Wall and CPU seconds for the stored calls again (new ids and external ids, same fields)
    through `records.calls.record_calls`, the bulk path dialers' posts take, into the same
    database (one runtime a process: its key is the process's): what the import costs beyond
    reading its file."""
    with rt.db.transaction(read_only=True) as session:
        rows = session.execute(select(*m.Call.__table__.columns)).mappings().all()
    batch = [
        CallIn.model_validate(
            {
                **{k: v for k, v in row.items() if k in CallIn.model_fields},
                "seller": "andro",
                "campaign": "heat-pumps",
                "external_call_id": f"again-{i}",
                "employee_id": None,
                "telemarketer_name": "Claire F.",
            }
        )
        for i, row in enumerate(rows)
    ]
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(batch), imports.CHUNK):
        with rt.db.transaction() as session:
            calls.record_calls(
                session=session, actor="bench", calls=batch[start : start + imports.CHUNK]
            )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return elapsed, cpu


def baseline(rt, folder: Path) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Wall and CPU seconds for a plain executemany of the stored rows into an indexed copy of
    the table."""
    columns = [c.name for c in m.Call.__table__.columns]
    with rt.db.transaction(read_only=True) as session:
        rows = [tuple(r) for r in session.execute(select(*m.Call.__table__.columns))]
    conn = sqlite3.connect(folder / "baseline.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"CREATE TABLE calls ({', '.join(columns)}, PRIMARY KEY (id))")
    conn.execute("CREATE UNIQUE INDEX uq_external ON calls (seller_id, external_call_id)")
    conn.execute("CREATE INDEX ix_called ON calls (called_number)")
    values = [tuple(None if v is None else str(v) for v in row) for row in rows]
    marks = ", ".join("?" for _ in columns)
    started, cpu = time.perf_counter(), time.process_time()
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO calls VALUES ({marks})", values)
    conn.execute("COMMIT")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    conn.close()
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL")
    parser.add_argument(
        "--read-here",
        action="store_true",
        help="read the file in this process, as a server does (default: apart, as the command)",
    )
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="callkeep-bench-dialer-"))
        url = stack.enter_context(worlds.scratch_postgres(args.postgres)) if args.postgres else ""
        folder = Path(tmp)
        master = folder / "Master.csv"
        write_master(master, args.lines, random.Random(15))
        size = master.stat().st_size
        rt = setup(folder, url)
        first, first_cpu = run_import(rt, master, not args.read_here)
        second, second_cpu = run_import(rt, master, not args.read_here)
        base_seconds, base_cpu = baseline(rt, folder)
        with rt.db.transaction(read_only=True) as session:
            stored = session.scalar(select(func.count()).select_from(m.Call)) or 0
            report = ledger.verify(session=session)
        path_seconds, path_cpu = records_path(rt, folder)
        rate, rate_cpu = first.lines / first.seconds, first.lines / first_cpu
        again = second.lines / second.seconds
        base, base_per_cpu = first.imported / base_seconds, first.imported / base_cpu
        print(
            f"Master.csv: {args.lines:,} lines, {size / 1e6:.1f} MB, into "
            f"{'PostgreSQL' if url else 'SQLite'}; machine shared (2 cores, "
            f"load average {os.getloadavg()[0]:.1f}): CPU seconds of this process given too"
        )
        print(
            f"calls import, first time : {first.seconds:6.2f} s  {rate:>8,.0f} records/s  "
            f"({rate_cpu:,.0f} per CPU-second; {first.imported:,} imported, "
            f"{first.problems} problems)"
        )
        print(
            f"calls import, same file  : {second.seconds:6.2f} s  {again:>8,.0f} lines/s    "
            f"({second.lines / second_cpu:,.0f} per CPU-second; {second.imported:,} imported, "
            f"{second.repeats:,} repeats)"
        )
        print(
            f"records' bulk path alone : {path_seconds:6.2f} s  {first.imported / path_seconds:>8,.0f} records/s  "
            f"({first.imported / path_cpu:,.0f} per CPU-second; record_calls, same calls, ledger on)"
        )
        print(
            f"baseline executemany     : {base_seconds:6.2f} s  {base:>8,.0f} records/s  "
            f"({base_per_cpu:,.0f} per CPU-second; the stored rows, no parsing, checks or ledger)"
        )
        print(
            f"  import / baseline       : {rate / base:6.2f}x wall, {rate_cpu / base_per_cpu:.2f}x CPU; "
            f"budget >= 20,000/s: {'met' if rate >= 20_000 else 'NOT met'} "
            f"(per CPU-second: {'met' if rate_cpu >= 20_000 else 'NOT met'})"
        )
        table = m.Call.__table__
        indexes = len(table.indexes) + sum(  # the indexes, the unique constraints and the key
            isinstance(c, UniqueConstraint | PrimaryKeyConstraint) for c in table.constraints
        )
        print(
            f"calls stored: {stored:,}; ledger intact={report.intact}, {report.entries:,} entries;"
            f" the calls table has {indexes} indexes (with its key and unique constraints)"
        )
        rt.db.dispose()


if __name__ == "__main__":
    main()
