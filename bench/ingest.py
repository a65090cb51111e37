"""Call-record ingest with the ledger on, against baselines measured in the same run.

    .venv/bin/python bench/ingest.py [--bulk 10000] [--rounds 5] [--http 5000] [--conns 4]
                                     [--rate 1000] [--paced 10000]

SQLite in a temporary folder; the HTTP server (`callkeep serve`) runs in its own process, the
client is `bench/loadgen.py` (pre-encoded requests on raw keep-alive sockets, far cheaper than
the server it measures). Figures, each the median of its rounds:

* bulk: `records.calls.record_calls` (checks, E.164, ledger entries, one commit per batch);
  budget >= 20,000 records/s;
* baseline: the same rows through a plain `executemany` into a table with the same columns and
  no ledger, no checks;
* HTTP: `POST /api/v1/calls` one call per request, bearer token checked, every call a new record
  (201), closed loop over a few keep-alive connections; budget >= 1,000 records/s; with
  `GET /healthz` over the same server and connections as its baseline;
* latency: the same posts open loop at a fixed rate (default 1,000/s), p50/p99 measured from each
  request's due time, so a server falling behind shows its queue.

The ledger is verified at the end. Not a test: it prints figures, it does not assert them.
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
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import loadgen  # bench/, beside this script
import numpy as np
import worlds

from callkeep.auth import service as auth_service
from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger
from callkeep.records import models as m
from callkeep.records.calls import service as calls
from callkeep.records.parties import sellers
from callkeep.records.parties.schemas import CampaignIn
from callkeep.records.schemas import CallIn

T0 = datetime(2026, 7, 1, 13, 0, tzinfo=UTC)
HOST = "127.0.0.1"
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
    rt = worlds.fresh_runtime(folder)
    worlds.add_seller(rt, name="Androscoggin Home Energy", slug="energy")
    with rt.db.transaction() as session:
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
            self.port = int(probe.getsockname()[1])
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> int:
        env = {**os.environ, "CALLKEEP_DATA_DIR": str(self.folder)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "callkeep", "serve", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        loadgen.wait_until_up(HOST, self.port, lambda: True, seconds=60)
        return self.port

    def __exit__(self, *_exc: object) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=30)


def post_calls(bodies: list[dict[str, Any]], token: str) -> list[bytes]:
    """Each call as one pre-encoded `POST /api/v1/calls` with the dialer's bearer token."""
    headers = {"Authorization": f"Bearer {token}"}
    return [
        loadgen.encode_request("POST", "/api/v1/calls", body=b, headers=headers) for b in bodies
    ]


def created(result: loadgen.Result) -> int:
    """How many calls the server recorded (201); anything else is a failure of the run."""
    return int((result.statuses == 201).sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bulk", type=int, default=10_000, help="calls per bulk batch")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--http", type=int, default=5_000, help="calls posted per HTTP round")
    parser.add_argument("--http-rounds", type=int, default=3)
    parser.add_argument("--conns", type=int, default=4, help="keep-alive connections")
    parser.add_argument("--rate", type=float, default=1_000, help="open-loop rate, calls/s")
    parser.add_argument("--paced", type=int, default=10_000, help="calls sent at that rate")
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
        print(
            f"bulk record_calls, ledger on : {bulk:>10,.0f} records/s  (median of {args.rounds}: "
            f"{', '.join(f'{r:,.0f}' for r in bulk_rates)})"
        )
        print(
            f"baseline executemany, no ledger: {base:>8,.0f} records/s  "
            f"({min(base_rates):,.0f}-{max(base_rates):,.0f})"
        )
        print(
            f"  ledgered bulk / baseline      : {bulk / base:>10.2f}x   budget >= 20,000/s: "
            f"{'met' if bulk >= 20_000 else 'NOT met'}"
        )

        health = [loadgen.encode_request("GET", "/healthz", headers={})] * args.http
        with Server(folder) as port:
            loadgen.run(HOST, port, post_calls(next_bodies(200), token), connections=4)  # warm up
            rates, health_rates, failures = [], [], 0
            for _ in range(args.http_rounds):
                result = loadgen.run(
                    HOST, port, post_calls(next_bodies(args.http), token), connections=args.conns
                )
                failures += args.http - created(result)
                rates.append(args.http / result.seconds)
                health_result = loadgen.run(HOST, port, health, connections=args.conns)
                health_rates.append(args.http / health_result.seconds)
            paced = loadgen.run(
                HOST, port, post_calls(next_bodies(args.paced), token), rate=args.rate,
                connections=32,
            )  # fmt: skip
            failures += args.paced - created(paced)
        http = statistics.median(rates)
        health_rate = statistics.median(health_rates)
        print(
            f"POST /api/v1/calls, one per request: {http:>6,.0f} records/s  "
            f"(median of {args.http_rounds} closed-loop rounds of {args.http:,}, "
            f"{args.conns} keep-alive connections)"
        )
        print(f"baseline GET /healthz, same server : {health_rate:>6,.0f} requests/s")
        print(
            f"  calls / healthz                  : {http / health_rate:>6.2f}x   budget >= 1,000/s: "
            f"{'met' if http >= 1_000 else 'NOT met'}"
        )
        ms = paced.latencies * 1000
        print(
            f"open loop at {args.rate:,.0f}/s ({args.paced:,} calls): "
            f"latency p50 {np.percentile(ms, 50):.2f} ms, p99 {np.percentile(ms, 99):.2f} ms, "
            f"max {ms.max():.2f} ms; achieved {args.paced / paced.seconds:,.0f}/s"
        )
        print(f"calls not recorded (status other than 201): {failures}")
        with rt.db.transaction(read_only=True) as session:
            report = ledger.verify(session=session)
        print(f"ledger after the run: intact={report.intact}, {report.entries:,} entries")
        rt.db.dispose()


if __name__ == "__main__":
    main()
