"""A real `callkeep serve` process over a data folder set up through the installed command line,
as a new user would set it up."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

SERVER_PORT = int(os.environ.get("CALLKEEP_TEST_SERVER_PORT", "8108"))
HOST = "127.0.0.1"


def callkeep(data_dir: Path, *args: str, stdin: str | None = None) -> str:
    """Runs `callkeep ARGS` on the data folder; returns stdout, raises on a non-zero exit."""
    env = {**os.environ, "CALLKEEP_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    env.pop("CALLKEEP_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "callkeep", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise AssertionError(f"callkeep {' '.join(args)}: {done.returncode}\n{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class Server:
    """`callkeep serve` on 127.0.0.1:`port`, stopped on exit."""

    def __init__(self, data_dir: Path, port: int = SERVER_PORT) -> None:
        self.data_dir = data_dir
        self.port = port
        self.url = f"http://{HOST}:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        env = {**os.environ, "CALLKEEP_DATA_DIR": str(self.data_dir)}
        env.pop("CALLKEEP_DATABASE_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "callkeep", "serve", "--host", HOST, "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"callkeep serve ended: {self.process.stderr.read()!r}")  # type: ignore[union-attr]
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError("callkeep serve did not answer within 60 s")

    def __exit__(self, *_exc: object) -> None:
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
