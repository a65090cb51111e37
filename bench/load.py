"""Benchmark: the highest rate of single checks over HTTP whose p99 stays within 10 ms.

Starts the same seeded server as bench/check_api.py (a 500 K-number national list, a busy day's
history, one `callkeep serve` process) on SQLite, and on PostgreSQL too when `--postgres` names
a server, then sends `POST /api/v1/checks` open loop at a rising rate, `--seconds` at each step
(`--start`, then each step `--factor` times the one before), until p99 passes `--p99` ms or a
request fails. Prints each step, and the last rate within the bound, per engine; the baseline is
`GET /healthz` at that rate on the same server.

    .venv/bin/python bench/load.py
    .venv/bin/python bench/load.py --postgres postgresql+psycopg://USER@HOST:PORT/postgres
"""

from __future__ import annotations

import argparse

import check_api
import loadgen
import numpy as np
import worlds


def climb(args: argparse.Namespace, database_url: str) -> None:
    """Raises the rate step by step on one engine's server; prints each step and the result."""
    engine = "PostgreSQL" if database_url else "SQLite"
    with check_api.served(database_url, port=args.port) as server:
        host, port = check_api.HOST, server.port
        most = int(args.most * args.seconds)
        requests = check_api.check_requests(server.token, most + 1000, args.recalled)
        loadgen.run(host, port, requests[most:], connections=4)  # warm-up: index and caches
        passed = 0
        rate = float(args.start)
        sent = 0
        while rate <= args.most:
            count = int(rate * args.seconds)
            step = [requests[(sent + i) % most] for i in range(count)]
            sent += count
            cpu_before = check_api.cpu_seconds(server.pid)
            result = loadgen.run(host, port, step, rate=int(rate), connections=args.connections)
            cpu = (check_api.cpu_seconds(server.pid) - cpu_before) / max(count, 1) * 1000
            p99 = float(np.percentile(result.latencies * 1000, 99))
            print(
                f"  {engine} {int(rate):>5}/s: {result.summary()}; server CPU {cpu:.2f} ms a check"
            )
            if p99 > args.p99 or result.errors:
                break
            passed = int(rate)
            rate *= args.factor
        health = [loadgen.encode_request("GET", "/healthz", headers={})] * max(
            int(max(passed, args.start) * args.seconds), 1
        )
        baseline = loadgen.run(
            host, port, health, rate=max(passed, args.start), connections=args.connections
        )
        print(
            f"{engine}: highest rate with p99 <= {args.p99:g} ms and no errors: "
            f"{passed}/s{' (or more: the last step tried)' if rate > args.most else ''}"
        )
        print(f"  baseline GET /healthz at that rate, same server: {baseline.summary()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="seconds at each rate")
    parser.add_argument("--start", type=int, default=100, help="first rate, requests per second")
    parser.add_argument("--factor", type=float, default=1.25, help="each step's rate increase")
    parser.add_argument("--most", type=int, default=3000, help="highest rate tried")
    parser.add_argument("--p99", type=float, default=10.0, help="the bound on p99, ms")
    parser.add_argument("--connections", type=int, default=64, help="keep-alive connections")
    parser.add_argument(
        "--recalled", type=float, default=0.1, help="share of checks of numbers called today"
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default="",
        help="also on a PostgreSQL server (URL of any database on it), in a scratch database",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--port", type=int, default=0, help="the server's port; default any free")
    args = parser.parse_args()
    if not args.no_sqlite:
        climb(args, "")
    if args.postgres:
        with worlds.scratch_postgres(args.postgres) as url:
            climb(args, url)


if __name__ == "__main__":
    main()
