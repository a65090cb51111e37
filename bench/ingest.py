"""Call-record ingest with the ledger on, against a baseline measured in the same run.

    python bench/ingest.py [--bulk 10000] [--rounds 5] [--http 3000] [--threads 4]

SQLite in a temporary folder; the HTTP server runs in its own process. Three figures, each the median of its rounds:

* bulk: `records.calls.record_calls` (checks, E.164, ledger entries, one commit per batch);
  budget >= 20,000 records/s;
* baseline: the same rows through a plain `executemany` into a table with the same columns and
  no ledger, no checks;
* HTTP: `POST /api/v1/calls` one call per request over a real uvicorn server on loopback,
  bearer token checked, a few client threads; budget >= 1,000 records/s; with `GET /healthz`
  over the same server as its baseline.

Not a test: it prints figures, it does not assert them.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from alembic import command

from callkeep.auth import service as auth_service
from callkeep.config import Settings
from callkeep.domains import load_models
from callkeep.kit.db import Base
from callkeep.kit.runtime import Runtime, build_runtime
from callkeep.ledger import service as ledger
from callkeep.migrations import alembic_config
from callkeep.records import calls, sellers
from callkeep.records import models as m
from callkeep.records.schemas import CallIn, CampaignIn, SellerIn

T0 = datetime(2026, 7, 1, 13, 0, tzinfo=UTC)
DISPOSITIONS = ["answered_person", "answering_machine", "no_answer", "busy", "dropped"]


def synthetic_call(rng: random.Random, i: int, *, seller: str, campaign: str) -> dict[str, Any]:
    """One complete, plausible call record as a dialer would post it."""
    return {
        "telemarketer_name": rng.choice(["Claire", "Marc", "Renee"]),
        "seller": seller,
        "campaign": campaign,
        "subject": "heat pumps",
        "consumer_or_business": "consumer",
        "outbound": True,
        "prerecorded": False,
        "calling_number": "+12077840100",
        "called_number": f"+1207{rng.choice([784, 783, 774, 942])}{rng.randint(1000, 9999)}",
        "started_at": (T0 + timedelta(seconds=i)).isoformat(),
        "duration_seconds": rng.randint(0, 600),
        "caller_id_number": "+12077840100",
        "caller_id_name": "ANDRO ENERGY",
        "disposition": rng.choice(DISPOSITIONS),
        "decision_id": f"dec-{i}",
        "external_call_id": f"ext-{i}",
    }


def setup(folder: Path) -> tuple[Runtime, str]:
    """A fresh database with one seller and campaign; returns the runtime and a dialer token."""
    load_models()
    rt = build_runtime(Settings(data_dir=folder, database_url=f"sqlite:///{folder}/callkeep.db"))
    Base.metadata.create_all(rt.db.engine)
    command.stamp(alembic_config(rt.settings.database_url), "head")
    with rt.db.transaction() as session:
        sellers.create_seller(
            session=session,
            actor="bench",
            seller_in=SellerIn(name="Androscoggin Home Energy", slug="energy", is_default=True),
        )
        sellers.create_campaign(
            session=session,
            actor="bench",
            campaign_in=CampaignIn.model_validate(
                {
                    "seller": "energy",
                    "slug": "heat",
                    "subject": "heat pumps",
                    "dialing_mode": "manual",
                }
            ),
        )
        _, token = auth_service.create_token(
            session=session, actor="bench", name="dialer", role="dialer"
        )
    return rt, token


def bench_bulk(rt: Runtime, batch: list[CallIn]) -> float:
    """Seconds to record one batch through `record_calls`, commit included."""
    start = time.perf_counter()
    with rt.db.transaction() as session:
        calls.record_calls(session=session, actor="bench", calls=batch)
    return time.perf_counter() - start


def bench_baseline(folder: Path, rows: list[dict[str, Any]], round_no: int) -> float:
    """Seconds for a plain executemany of the same rows, no ledger, no checks."""
    columns = [c.name for c in m.Call.__table__.columns]
    conn = sqlite3.connect(folder / f"baseline-{round_no}.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"CREATE TABLE calls ({', '.join(columns)}, PRIMARY KEY (id))")
    conn.execute("CREATE INDEX ix_called ON calls (called_number)")
    tuples = [tuple(str(r.get(c)) if r.get(c) is not None else None for c in columns) for r in rows]
    marks = ", ".join("?" for _ in columns)
    start = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO calls VALUES ({marks})", tuples)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


class Server:
    """`callkeep serve` in its own process on a free loopback port, over the bench's data."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> str:
        env = {**os.environ, "CALLKEEP_DATA_DIR": str(self.folder)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "callkeep", "serve", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    return base
            except httpx.HTTPError:
                time.sleep(0.1)
        raise SystemExit("the server did not start")

    def __exit__(self, *_exc: object) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=30)


def run_clients(
    threads: int, jobs: list[Callable[[httpx.Client], int]], base: str
) -> tuple[float, list[float]]:
    """Runs `jobs` over `threads` keep-alive clients; returns (seconds, per-request latencies)."""
    latencies: list[float] = []
    lock = threading.Lock()
    queue = list(jobs)

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while True:
                with lock:
                    if not queue:
                        return
                    job = queue.pop()
                t = time.perf_counter()
                status = job(client)
                took = time.perf_counter() - t
                if status not in (200, 201):
                    raise RuntimeError(f"unexpected status {status}")
                with lock:
                    latencies.append(took)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return time.perf_counter() - start, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bulk", type=int, default=10_000, help="calls per bulk batch")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--http", type=int, default=3_000, help="calls posted per HTTP round")
    parser.add_argument("--http-rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="callkeep-bench-") as tmp:
        folder = Path(tmp)
        rt, token = setup(folder)
        counter = 0

        def next_bodies(n: int) -> list[dict[str, Any]]:
            nonlocal counter
            bodies = [
                synthetic_call(rng, counter + i, seller="energy", campaign="heat") for i in range(n)
            ]
            counter += n
            return bodies

        bulk_rates, base_rates = [], []
        for round_no in range(args.rounds):
            bodies = next_bodies(args.bulk)
            batch = [CallIn.model_validate(b) for b in bodies]
            bulk_rates.append(args.bulk / bench_bulk(rt, batch))
            with rt.db.transaction(read_only=True) as session:
                seller_id = sellers.seller_view(session=session, ref="energy")["id"]
            rows = [
                {**b, "id": f"b{round_no}-{i}", "seller_id": seller_id, "recorded_by": "bench"}
                for i, b in enumerate(bodies)
            ]
            base_rates.append(args.bulk / bench_baseline(folder, rows, round_no))
        bulk = statistics.median(bulk_rates)
        base = statistics.median(base_rates)
        print(f"bulk record_calls, ledger on : {bulk:>10,.0f} records/s  (median of {args.rounds})")
        print(f"baseline executemany, no ledger: {base:>8,.0f} records/s")
        print(
            f"  ledgered bulk / baseline      : {bulk / base:>10.2f}x   budget >= 20,000/s: "
            f"{'met' if bulk >= 20_000 else 'NOT met'}"
        )

        auth = {"Authorization": f"Bearer {token}"}
        with Server(folder) as base_url:
            http_rates, health_rates, p50s, p99s = [], [], [], []
            for _ in range(args.http_rounds):
                bodies = next_bodies(args.http)
                jobs: list[Callable[[httpx.Client], int]] = [
                    (lambda c, b=b: c.post("/api/v1/calls", json=b, headers=auth).status_code)
                    for b in bodies
                ]
                seconds, lat = run_clients(args.threads, jobs, base_url)
                http_rates.append(args.http / seconds)
                lat.sort()
                p50s.append(lat[len(lat) // 2] * 1000)
                p99s.append(lat[int(len(lat) * 0.99)] * 1000)
                health: list[Callable[[httpx.Client], int]] = [
                    (lambda c: c.get("/healthz").status_code) for _ in range(args.http)
                ]
                seconds, _ = run_clients(args.threads, health, base_url)
                health_rates.append(args.http / seconds)
        http = statistics.median(http_rates)
        health_rate = statistics.median(health_rates)
        print(
            f"POST /api/v1/calls, one per request: {http:>6,.0f} records/s  "
            f"(median of {args.http_rounds}, {args.threads} client threads)"
        )
        print(
            f"  latency median {statistics.median(p50s):.1f} ms, p99 {statistics.median(p99s):.1f} ms"
        )
        print(f"baseline GET /healthz, same server : {health_rate:>6,.0f} requests/s")
        print(
            f"  calls / healthz                  : {http / health_rate:>6.2f}x   budget >= 1,000/s: "
            f"{'met' if http >= 1_000 else 'NOT met'}"
        )
        with rt.db.transaction(read_only=True) as session:
            report = ledger.verify(session=session)
        print(f"ledger after the run: intact={report.intact}, {report.entries:,} entries")
        rt.db.dispose()


if __name__ == "__main__":
    main()
