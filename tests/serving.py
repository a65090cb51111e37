"""A `callkeep serve` process for a test: a free port, and waiting until it answers."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_serving(server: subprocess.Popen[bytes], base: str, said: Callable[[], str]) -> None:
    """Returns once `base` answers /healthz; fails with what the server `said` if it stopped."""
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert server.poll() is None, said()
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.2)
