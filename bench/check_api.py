"""Benchmark: single pre-call checks over HTTP on loopback at a fixed rate, decisions persisted.

Starts a real uvicorn server on 127.0.0.1 (a temporary data directory, SQLite, a national list
imported through the lists domain, a day's history: 100,000 calls to 50,000 numbers in the last
24 hours and 20,000 numbers on the seller's own list), then sends `POST /api/v1/checks` at a fixed rate (default
500 requests/s for 60 s) over keep-alive connections (bench/loadgen.py), open loop: each request
is due at its slot whether or not earlier ones have returned, and its latency counts from that
slot. Prints p50, p99 and max latency and the errors, next to `GET /healthz` at the same rate
on the same server (the HTTP stack alone). By default one check in ten is of a number called
earlier that day, whose facts (calls, frequency caps) are read.

    .venv/bin/python bench/check_api.py
    .venv/bin/python bench/check_api.py --seconds 10 --rate 500
    .venv/bin/python bench/check_api.py --seconds 10 --rate 50 --stages --postgres URL

`--stages` also prints where each group commit's time went in the server, stage by stage
(src/callkeep/kit/stages.py); `--switch-interval` sets the server's GIL switch interval.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import loadgen
import numpy as np
import worlds

if TYPE_CHECKING:
    from callkeep.kit.runtime import Runtime

HOST = "127.0.0.1"
CALLED = 50_000  # numbers called in the last 24 hours (twice each)
ENTITY = 20_000  # numbers on the seller's own do-not-call list


def serve(data_dir: Path, port: int, workers: int, database_url: str) -> None:
    """The server side: schema, a seller, a national list, a dialer token; then uvicorn."""
    import uvicorn

    from callkeep.auth import service as auth_service

    rt = seeded(data_dir, database_url)
    with rt.db.transaction() as session:
        _, secret = auth_service.create_token(
            session=session, actor="bench", name="bench-dialer", role="dialer"
        )
    rt.db.dispose()
    if os.environ.get("BENCH_SWITCH_INTERVAL"):  # --switch-interval: the GIL's, in the server
        sys.setswitchinterval(float(os.environ["BENCH_SWITCH_INTERVAL"]))
    (data_dir / "token").write_text(secret)
    # as `callkeep serve --workers N` runs it: each worker builds its app from the environment
    os.environ["CALLKEEP_DATA_DIR"] = str(data_dir)
    uvicorn.run(
        "callkeep.app:create_app",
        factory=True,
        workers=workers,
        host=HOST,
        port=port,
        log_level="warning",
    )


def seeded(data_dir: Path, database_url: str) -> Runtime:
    """The bench's world: schema, a seller, a national list of 500,000 numbers, a day's history
    (`seed_history`), and on PostgreSQL the statistics a database in service has."""
    from sqlalchemy import text

    from callkeep.kit.clock import utcnow

    rt = worlds.fresh_runtime(data_dir, database_url)
    national = data_dir / "national.txt"
    rng = np.random.default_rng(3)
    numbers = np.unique(rng.integers(2_000_000, 10_000_000, size=500_000)) + 2_070_000_000
    national.write_text("".join(f"{n}\n" for n in numbers.tolist()))
    worlds.add_seller(rt)
    worlds.import_list(rt, national, as_of=(utcnow() - timedelta(days=1)).date())
    seed_history(rt, np.random.default_rng(4))
    if not rt.db.is_sqlite:
        with rt.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return rt


def called_numbers() -> np.ndarray:
    """The numbers the bench seller called in the last day (10-digit, area code 207, dialable)."""
    from callkeep.phone.validity import dialable_prefixes

    drawn = np.unique(np.random.default_rng(6).integers(2_000_000, 10_000_000, size=CALLED)) + (
        2_070_000_000
    )
    return drawn[dialable_prefixes()[drawn // 10_000]]


def seed_history(rt: Runtime, rng: np.random.Generator) -> None:
    """A busy day's history: CALLED numbers called in the last 24 hours (two calls each) and
    ENTITY numbers on the seller's own do-not-call list, so that every look-up a check makes
    searches tables of a realistic size."""
    from callkeep.kit.clock import utcnow
    from callkeep.ledger import service as ledger
    from callkeep.lists.models import EntityListEntry
    from callkeep.records.calls import service as calls
    from callkeep.records.schemas import CallIn

    now = utcnow()
    called = called_numbers().tolist() * 2
    for start in range(0, len(called), 10_000):
        batch = [
            CallIn.model_validate(
                {
                    "telemarketer_name": "Claire",
                    "seller": "bench",
                    "subject": "heat pumps",
                    "consumer_or_business": "consumer",
                    "outbound": True,
                    "prerecorded": False,
                    "calling_number": "+12077840100",
                    "called_number": f"+1{n}",
                    "started_at": (now - timedelta(seconds=int(rng.integers(60, 86_000)))),
                    "duration_seconds": 30,
                    "caller_id_number": "+12077840100",
                    "disposition": "no_answer",
                }
            )
            for n in called[start : start + 10_000]
        ]
        with rt.db.transaction() as session:
            calls.record_calls(session=session, actor="bench", calls=batch)
    listed = np.unique(rng.integers(2_000_000, 10_000_000, size=ENTITY)) + 2_070_000_000
    rows: list[dict[str, object]] = [
        {
            "seller_slug": "bench",
            "phone": f"+1{n}",
            "area_code": None,
            "source": "bench",
            "reference": None,
            "effective_at": now - timedelta(days=2),
            "expires_at": now + timedelta(days=5 * 365),
        }
        for n in listed.tolist()
    ]
    with rt.db.transaction() as session:
        ledger.record_many(session=session, actor="bench", model=EntityListEntry, rows=rows)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and its descendants (uvicorn's workers), read
    from /proc; 0 where there is no /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(int(child)) for child in children)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rate", type=int, default=500, help="requests per second")
    parser.add_argument("--connections", type=int, default=64, help="keep-alive connections")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument(
        "--recalled", type=float, default=0.1, help="share of checks of numbers called today"
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default="",
        help="a PostgreSQL server (URL of any database on it) to run on, in a scratch database "
        "created and dropped by the bench; default SQLite",
    )
    parser.add_argument("--port", type=int, default=0, help="the server's port; default any free")
    parser.add_argument(
        "--stages",
        action="store_true",
        help="time each stage of every group commit in the server (kit/stages.py) and print "
        "their percentiles",
    )
    parser.add_argument(
        "--switch-interval",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="the server's GIL switch interval (sys.setswitchinterval; Python's default 0.005)",
    )
    parser.add_argument("--serve", nargs=2, metavar=("DATA_DIR", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:  # the database's URL comes in the environment, as `callkeep serve` reads it
        url = os.environ.get("CALLKEEP_DATABASE_URL", "")
        serve(Path(args.serve[0]), int(args.serve[1]), args.workers, url)
        return
    if args.postgres:
        with worlds.scratch_postgres(args.postgres) as url:
            measure(args, url)
    else:
        measure(args, "")


@dataclass(frozen=True)
class Served:
    """A bench server: its port, its dialer token, its process id."""

    port: int
    token: str
    pid: int


@contextmanager
def served(
    database_url: str,
    *,
    workers: int = 1,
    port: int = 0,
    probe: Path | None = None,
    switch_interval: float = 0.0,
) -> Iterator[Served]:
    """A seeded server in its own process, as `callkeep serve` runs it; stopped (and its data
    folder removed) on leaving. With `probe`, its group commits' stages are timed into that
    file (kit/stages.py)."""
    work = Path(tempfile.mkdtemp(prefix="callkeep-bench-api-"))
    port = port or free_port()
    env = {**os.environ, "CALLKEEP_DATABASE_URL": database_url}
    if probe is not None:
        env["CALLKEEP_STAGE_PROBE"] = str(probe)
    if switch_interval:
        env["BENCH_SWITCH_INTERVAL"] = str(switch_interval)
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(work), str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        token_file = work / "token"
        # seeding a PostgreSQL database on a loaded machine can take minutes
        loadgen.wait_until_up(HOST, port, token_file.exists, seconds=900)
        yield Served(port, token_file.read_text().strip(), server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def check_requests(token: str, count: int, recalled: float, seed: int = 5) -> list[bytes]:
    """`count` encoded `POST /api/v1/checks`, a share `recalled` of numbers called today."""
    headers = {"Authorization": f"Bearer {token}"}
    rng = np.random.default_rng(seed)
    numbers = rng.integers(2_000_000, 10_000_000, size=count) + 2_070_000_000
    # one check in ten is a number called earlier today, which has facts to read
    again = rng.random(count) < recalled
    numbers[again] = rng.choice(called_numbers(), size=int(again.sum()))
    return [
        loadgen.encode_request("POST", "/api/v1/checks", body={"phone": f"+1{n}"}, headers=headers)
        for n in numbers.tolist()
    ]


def measure(args: argparse.Namespace, database_url: str) -> None:
    """Starts the server, sends the load, prints the figures."""
    probe = Path(tempfile.mkdtemp(prefix="callkeep-bench-stages-")) / "stages.jsonl"
    with served(
        database_url,
        workers=args.workers,
        port=args.port,
        probe=probe if args.stages else None,
        switch_interval=args.switch_interval,
    ) as server:
        port, pid = server.port, server.pid
        total = args.seconds * args.rate
        requests = check_requests(server.token, total + 1000, args.recalled)
        # warm-up: the first requests load the list index and fill the caches
        loadgen.run(HOST, port, requests[total:], connections=4)
        health = [loadgen.encode_request("GET", "/healthz", headers={})] * min(total, 10_000)
        baseline = loadgen.run(HOST, port, health, rate=args.rate, connections=args.connections)
        cpu_before = cpu_seconds(pid)
        run_from = time.perf_counter_ns()  # CLOCK_MONOTONIC: the server's clock too
        result = loadgen.run(
            HOST, port, requests[:total], rate=args.rate, connections=args.connections
        )
        cpu = cpu_seconds(pid) - cpu_before
        run_to = time.perf_counter_ns()
    # the server has stopped, so its probe's last lines are written: those of the measured run
    groups = [
        group
        for line in (probe.read_text().splitlines() if probe.exists() else [])
        if run_from <= (group := json.loads(line))["t0"] <= run_to
    ]
    shutil.rmtree(probe.parent, ignore_errors=True)
    report(args, database_url, result, cpu, baseline)
    if args.stages:
        print_stages(groups)


def report(
    args: argparse.Namespace,
    database_url: str,
    result: loadgen.Result,
    cpu: float,
    baseline: loadgen.Result,
) -> None:
    """The run's figures beside its baseline, and the budget's verdict."""
    total = args.seconds * args.rate
    engine = "PostgreSQL" if database_url else "SQLite"
    print(
        f"POST /api/v1/checks at {args.rate}/s for {args.seconds} s, decisions persisted "
        f"({engine}), {args.connections} connections, {args.workers} server process(es), "
        f"{args.recalled:.0%} of them numbers called today:"
    )
    print(f"  {result.summary()}")
    if args.switch_interval:
        print(f"  server's GIL switch interval: {args.switch_interval * 1000:g} ms")
    if cpu > 0:
        print(f"  server CPU (from /proc): {cpu / total * 1000:.2f} ms a check")
    print(f"baseline GET /healthz at the same rate, same server:\n  {baseline.summary()}")
    p99 = float(np.percentile(result.latencies * 1000, 99))
    budget = 15 if database_url else 10
    met = p99 <= budget and result.errors == 0
    print(f"budget p99 <= {budget} ms at {args.rate}/s, no errors: {'met' if met else 'NOT met'}")


STAGES = (
    ("thread", "on a writer's thread"),
    ("connected", "connection checked out"),
    ("decided", "decided (reads and engine)"),
    ("locked", "append lock held"),
    ("head", "ledger head read"),
    ("inserted", "decisions and entries inserted"),
    ("committed", "committed"),
    ("back", "back on the event loop"),
)


def print_stages(groups: list[dict[str, Any]]) -> None:
    """Percentiles of each stage of the group commits probed during the measured run: the
    time from the stage before, and from the group's taking."""
    if not groups:
        print("stages: no group probed")
        return
    sizes = np.array([g["size"] for g in groups])
    print(
        f"stages of {len(groups):,} group commits (items a group: mean {sizes.mean():.2f}, "
        f"max {sizes.max()}), microseconds, p50 / p99:"
    )
    queued = np.array([q for g in groups for q in g["queued"]])
    print(f"  {'queued before its group was taken':<34} {_pct(queued)}")
    before = np.zeros(len(groups))
    for key, label in STAGES:
        at = np.array([g.get(key, np.nan) for g in groups], dtype=float)
        seen = ~np.isnan(at)
        if not seen.any():
            continue
        step = at[seen] - before[seen]
        print(f"  {label:<34} {_pct(step)}   (from taken {_pct(at[seen])})")
        before = np.where(seen, at, before)
    woken = np.array([w - g.get("back", 0) for g in groups for w in g["woken"]])
    print(f"  {'request woken after back':<34} {_pct(woken)}")
    longest = np.array([max(g["queued"]) + max(g["woken"]) for g in groups if g["woken"]])
    print(f"  {'first enqueued to last woken':<34} {_pct(longest)}")


def _pct(values: np.ndarray) -> str:
    if len(values) == 0:
        return "-"
    return f"{np.percentile(values, 50):>7.0f} / {np.percentile(values, 99):>7.0f}"


if __name__ == "__main__":
    main()
