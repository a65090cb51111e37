"""A real `callkeep serve` process over a data folder set up through the installed command line,
as a new user would set it up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from serving import free_port, wait_serving

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


class Server:
    """`callkeep serve` on 127.0.0.1:`port`, stopped on exit."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"
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
        process = self.process
        wait_serving(process, self.url, lambda: f"callkeep serve ended: {process.stderr.read()!r}")  # type: ignore[union-attr]
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
