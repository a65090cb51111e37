"""A small HTTP/1.1 load generator for the benchmarks: keep-alive connections, open or closed loop.

The client must cost far less than the server it measures, since both share the machine: requests
are pre-encoded bytes written on raw asyncio streams, and a response is read by its
``Content-Length``. Latency is measured from the moment a request was *due* (open loop), so a
server that falls behind shows its queue in the figures instead of hiding it.
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def encode_request(method: str, path: str, *, body: Any = None, headers: dict[str, str]) -> bytes:
    """One request's bytes; `body` is sent as JSON."""
    payload = b"" if body is None else json.dumps(body).encode()
    lines = [f"{method} {path} HTTP/1.1", "Host: bench", f"Content-Length: {len(payload)}"]
    if body is not None:
        lines.append("Content-Type: application/json")
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


@dataclass
class Result:
    """What a run measured: per-request latency (seconds) and status, and the wall time."""

    latencies: np.ndarray
    statuses: np.ndarray
    seconds: float
    bodies: list[bytes] = field(default_factory=list)
    late: np.ndarray | None = None  # open loop: how long after its due time each was sent

    @property
    def errors(self) -> int:
        return int(((self.statuses < 200) | (self.statuses >= 300)).sum())

    def summary(self) -> str:
        ms = self.latencies * 1000
        n = len(ms)
        return (
            f"{n:,} requests in {self.seconds:.1f} s ({n / self.seconds:,.0f}/s); "
            f"latency p50 {np.percentile(ms, 50):.2f} ms, p99 {np.percentile(ms, 99):.2f} ms, "
            f"max {ms.max():.2f} ms; errors {self.errors}"
            + (
                f"; sent after their due time by {np.percentile(self.late * 1000, 50):.2f} ms "
                f"(median), {np.percentile(self.late * 1000, 99):.2f} ms (p99)"
                if self.late is not None
                else ""
            )
        )


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        body = await self.reader.readexactly(length) if length else b""
        return status, body


async def _connect(host: str, port: int) -> _Connection:
    reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
    return _Connection(reader, writer)


async def _run(
    host: str,
    port: int,
    requests: Sequence[bytes],
    rate: float | None,
    connections: int,
    keep_bodies: bool,
) -> Result:
    total = len(requests)
    latencies = np.zeros(total)
    statuses = np.zeros(total, dtype=np.int32)
    bodies: list[bytes] = [b""] * total if keep_bodies else []
    idle: asyncio.Queue[_Connection] = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(await _connect(host, port))
    start = time.perf_counter() + 0.05

    late = np.zeros(total)

    async def one(i: int, due: float) -> None:
        connection = await idle.get()
        late[i] = time.perf_counter() - due
        try:
            status, body = await connection.exchange(requests[i])
        except (OSError, asyncio.IncompleteReadError, ValueError):
            status, body = -1, b""
            connection = await _connect(host, port)
        latencies[i] = time.perf_counter() - due
        statuses[i] = status
        if keep_bodies:
            bodies[i] = body
        idle.put_nowait(connection)

    tasks: list[asyncio.Task[None]] = []
    if rate is None:  # closed loop: every connection busy all the time
        for i in range(total):
            tasks.append(asyncio.create_task(one(i, time.perf_counter())))
            if len(tasks) % connections == 0:
                await asyncio.sleep(0)
    else:
        for i in range(total):
            due = start + i / rate
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    seconds = time.perf_counter() - start
    while not idle.empty():
        idle.get_nowait().writer.close()
    return Result(latencies, statuses, seconds, bodies, late if rate is not None else None)


def run(
    host: str,
    port: int,
    requests: Sequence[bytes],
    *,
    rate: float | None = None,
    connections: int = 32,
    keep_bodies: bool = False,
) -> Result:
    """Sends `requests` in order: at `rate` per second (open loop) or as fast as answered.

    The cycle collector is off meanwhile: its full passes over the thousands of finished
    tasks would stall this client for tens of milliseconds, counted as the server's latency.
    """
    gc.collect()
    gc.disable()
    try:
        return asyncio.run(_run(host, port, requests, rate, connections, keep_bodies))
    finally:
        gc.enable()


def wait_until_up(host: str, port: int, ready: Callable[[], bool], seconds: float = 120) -> None:
    """Waits for `GET /healthz` to answer 200 once `ready()` holds."""
    deadline = time.monotonic() + seconds
    probe = encode_request("GET", "/healthz", headers={})
    while time.monotonic() < deadline:
        if ready():
            try:
                if run(host, port, [probe], connections=1).statuses[0] == 200:
                    return
            except OSError:
                pass
        time.sleep(0.2)
    raise SystemExit("the server did not start")
