"""Benchmark: single pre-call checks over HTTP on loopback at a fixed rate, decisions persisted.

Starts a real uvicorn server on 127.0.0.1 (a temporary data directory, SQLite, a national list
imported through the lists domain), then sends `POST /api/v1/checks` at a fixed rate (default
500 requests/s for 60 s) from a few client threads, open loop: each request is due at its slot
whether or not earlier ones have returned. Prints p50, p99 and max latency and the errors.

    .venv/bin/python bench/check_api.py
    .venv/bin/python bench/check_api.py --seconds 10 --rate 500
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
import numpy as np


def serve(data_dir: Path, port: int) -> None:
    """The server side: schema, a seller, a national list, a dialer token; then uvicorn."""
    import uvicorn
    from sqlalchemy import create_engine

    from callkeep.app import create_app
    from callkeep.auth import service as auth_service
    from callkeep.config import Settings
    from callkeep.domains import load_models
    from callkeep.kit.clock import utcnow
    from callkeep.kit.db import Base
    from callkeep.kit.runtime import build_runtime
    from callkeep.lists import imports
    from callkeep.records import sellers
    from callkeep.records.schemas import SellerIn

    settings = Settings(data_dir=data_dir)
    load_models()
    engine = create_engine(settings.database_url)
    Base.metadata.create_all(engine)
    engine.dispose()
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
    (data_dir / "token").write_text(secret)
    uvicorn.run(create_app(runtime=rt), host="127.0.0.1", port=port, log_level="warning")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rate", type=int, default=500, help="requests per second")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--serve", nargs=2, metavar=("DATA_DIR", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]))
        return

    work = Path(tempfile.mkdtemp(prefix="callkeep-bench-api-"))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(work), str(port)],
        stdout=subprocess.DEVNULL,
    )
    try:
        token_file = work / "token"
        deadline = time.monotonic() + 120
        base = f"http://127.0.0.1:{port}"
        while time.monotonic() < deadline:
            if token_file.exists():
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        else:
            raise SystemExit("the server did not start")
        headers = {"Authorization": f"Bearer {token_file.read_text().strip()}"}
        total = args.seconds * args.rate
        rng = np.random.default_rng(5)
        phones = [f"+1207{n:07d}" for n in rng.integers(2_000_000, 10_000_000, size=total)]
        latencies = np.zeros(total)
        statuses = np.zeros(total, dtype=np.int32)
        late = np.zeros(total)
        start = time.perf_counter() + 0.5
        next_slot = [0]
        lock = threading.Lock()

        def worker() -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
                while True:
                    with lock:
                        i = next_slot[0]
                        next_slot[0] += 1
                    if i >= total:
                        return
                    due = start + i / args.rate
                    wait = due - time.perf_counter()
                    if wait > 0:
                        time.sleep(wait)
                    sent = time.perf_counter()
                    late[i] = sent - due
                    try:
                        response = client.post("/api/v1/checks", json={"phone": phones[i]})
                        statuses[i] = response.status_code
                    except httpx.HTTPError:
                        statuses[i] = -1
                    latencies[i] = time.perf_counter() - sent

        threads = [threading.Thread(target=worker) for _ in range(args.threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
        ms = latencies * 1000
        errors = int((statuses != 200).sum())
        print(
            f"{total} checks in {elapsed:.1f} s ({total / elapsed:.0f} requests/s sustained, "
            f"target {args.rate}/s), decisions persisted"
        )
        print(
            f"latency p50 {np.percentile(ms, 50):.2f} ms, p99 {np.percentile(ms, 99):.2f} ms, "
            f"max {ms.max():.2f} ms; errors {errors}; "
            f"sends later than their slot by >5 ms: {int((late > 0.005).sum())}"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
