"""Benchmark: single pre-call checks over HTTP on loopback at a fixed rate, decisions persisted.

Starts a real uvicorn server on 127.0.0.1 (a temporary data directory, SQLite, a national list
imported through the lists domain), then sends `POST /api/v1/checks` at a fixed rate (default
500 requests/s for 60 s) over keep-alive connections (bench/loadgen.py), open loop: each request
is due at its slot whether or not earlier ones have returned, and its latency counts from that
slot. Prints p50, p99 and max latency and the errors, next to `GET /healthz` at the same rate
on the same server (the HTTP stack alone).

    .venv/bin/python bench/check_api.py
    .venv/bin/python bench/check_api.py --seconds 10 --rate 500
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import loadgen
import numpy as np

HOST = "127.0.0.1"


def serve(data_dir: Path, port: int, workers: int) -> None:
    """The server side: schema, a seller, a national list, a dialer token; then uvicorn."""
    import uvicorn

    from callkeep import migrations
    from callkeep.auth import service as auth_service
    from callkeep.config import Settings
    from callkeep.kit.clock import utcnow
    from callkeep.kit.runtime import build_runtime
    from callkeep.lists import imports
    from callkeep.records import sellers
    from callkeep.records.schemas import SellerIn

    settings = Settings(data_dir=data_dir)
    migrations.ensure_current(settings.database_url)
    rt = build_runtime(settings)
    national = data_dir / "national.txt"
    rng = np.random.default_rng(3)
    numbers = np.unique(rng.integers(2_000_000, 10_000_000, size=500_000)) + 2_070_000_000
    national.write_text("".join(f"{n}\n" for n in numbers.tolist()))
    with rt.db.transaction() as session:
        sellers.create_seller(
            session=session,
            actor="bench",
            seller_in=SellerIn(name="Bench Seller", slug="bench", is_default=True),
        )
        imports.import_list(
            session=session,
            actor="bench",
            folder=settings.snapshot_dir,
            max_unzipped=settings.max_unzipped_bytes,
            request=imports.ImportRequest(
                paths=[national],
                list_name="national",
                as_of=(utcnow() - timedelta(days=1)).date(),
            ),
        )
        _, secret = auth_service.create_token(
            session=session, actor="bench", name="bench-dialer", role="dialer"
        )
    rt.db.dispose()
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
    parser.add_argument("--serve", nargs=2, metavar=("DATA_DIR", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]), args.workers)
        return

    work = Path(tempfile.mkdtemp(prefix="callkeep-bench-api-"))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(work), str(port), "--workers", str(args.workers)],
        stdout=subprocess.DEVNULL,
    )
    try:
        token_file = work / "token"
        loadgen.wait_until_up(HOST, port, token_file.exists)
        headers = {"Authorization": f"Bearer {token_file.read_text().strip()}"}
        total = args.seconds * args.rate
        rng = np.random.default_rng(5)
        numbers = rng.integers(2_000_000, 10_000_000, size=total + 1000)
        requests = [
            loadgen.encode_request(
                "POST", "/api/v1/checks", body={"phone": f"+1207{n:07d}"}, headers=headers
            )
            for n in numbers.tolist()
        ]
        # warm-up: the first requests load the list index and fill the caches
        loadgen.run(HOST, port, requests[total:], connections=4)
        health = [loadgen.encode_request("GET", "/healthz", headers={})] * min(total, 10_000)
        baseline = loadgen.run(HOST, port, health, rate=args.rate, connections=args.connections)
        result = loadgen.run(
            HOST, port, requests[:total], rate=args.rate, connections=args.connections
        )
        print(
            f"POST /api/v1/checks at {args.rate}/s for {args.seconds} s, decisions persisted, "
            f"{args.connections} connections, {args.workers} server process(es):"
        )
        print(f"  {result.summary()}")
        print(f"baseline GET /healthz at the same rate, same server:\n  {baseline.summary()}")
        p99 = float(np.percentile(result.latencies * 1000, 99))
        met = p99 <= 10 and result.errors == 0
        print(f"budget p99 <= 10 ms at {args.rate}/s, no errors: {'met' if met else 'NOT met'}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
