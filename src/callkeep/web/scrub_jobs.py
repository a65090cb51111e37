"""Machinery: a lead file uploaded on `/scrubs` is scrubbed in a thread of its own, and its
progress is kept in a small status file that any server of the same data folder can read.

The upload is first written whole to `data/scrubs/jobs/JOB.upload` (mode 0600: it holds
personal data) and its lines counted; the request answers with the result when the scrub ends
within `AWAIT` seconds, else with the progress page. The
thread scrubs it through `checks.scrub.scrub_file`, the same function as `callkeep scrub`,
writing `JOB.json` (state, rows done and in all, rate, the scrub's id or the error) at most
every `EVERY` seconds; the upload is removed when the scrub ends either way. Rows are counted
as the file's lines after the header, so a quoted field holding a newline counts twice in the
progress (never in the result).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import BinaryIO

from callkeep.checks import scrub
from callkeep.errors import CallkeepError, NotFound
from callkeep.kit.clock import iso, utcnow
from callkeep.kit.runtime import Runtime

log = logging.getLogger(__name__)

EVERY = 0.25  # seconds between two writes of the status file
AWAIT = 2.0  # seconds the upload's answer waits for a small file's scrub to end
COPY_BYTES = 1 << 20


@dataclass(frozen=True)
class Progress:
    """What the progress page and `status.json` show of one scrub."""

    job_id: str
    file_name: str
    state: str  # running, done or failed
    rows_done: int
    rows_total: int
    started_at: str
    seconds: float
    scrub_id: str = ""
    error: str = ""

    @property
    def rate(self) -> float:
        """Rows a second so far."""
        return self.rows_done / self.seconds if self.seconds > 0 else 0.0

    @property
    def percent(self) -> int:
        if self.state == "done" or not self.rows_total:
            return 100 if self.state == "done" else 0
        return min(100, self.rows_done * 100 // self.rows_total)

    def as_json(self) -> dict[str, object]:
        return {**asdict(self), "rate": round(self.rate, 1), "percent": self.percent}


def jobs_dir(rt: Runtime) -> Path:
    folder = rt.settings.data_dir / "scrubs" / "jobs"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _status_path(rt: Runtime, job_id: str) -> Path:
    if not job_id.isalnum():
        raise NotFound("no such scrub")
    return jobs_dir(rt) / f"{job_id}.json"


def write(rt: Runtime, progress: Progress) -> None:
    """Replaces a job's status file at once (a reader never sees half of one)."""
    fd, temp = tempfile.mkstemp(dir=jobs_dir(rt), prefix=f".{progress.job_id}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(asdict(progress), out)
    os.replace(temp, _status_path(rt, progress.job_id))


def read(rt: Runtime, job_id: str) -> Progress:
    """A job's latest status; NotFound for a job this data folder never held."""
    path = _status_path(rt, job_id)
    try:
        fields = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFound(f"no scrub {job_id}") from None
    return Progress(**fields)


def _save_upload(source: BinaryIO, target: Path) -> int:
    """Copies the upload to `target` (mode 0600); returns its rows (lines after the header)."""
    lines, last = 0, b"\n"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(COPY_BYTES):
            out.write(chunk)
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    lines += last != b"\n"  # a last line without its newline
    return max(0, lines - 1)


class _CountingReader:
    """The upload as the scrub reads it, counting the lines read so far."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.lines = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.lines += data.count(b"\n")
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def __getattr__(self, name: str) -> object:
        return getattr(self.raw, name)


def start(
    *,
    rt: Runtime,
    actor: str,
    source: BinaryIO,
    file_name: str,
    options: dict[str, str | None],
) -> Progress:
    """Saves the upload, writes the job's first status and starts the scrub's thread; waits
    up to `AWAIT` seconds for it, so a small file's answer is its result (or its error)."""
    job_id = secrets.token_hex(12)
    upload = jobs_dir(rt) / f"{job_id}.upload"
    total = _save_upload(source, upload)
    first = Progress(job_id, file_name, "running", 0, total, iso(utcnow()), 0.0)
    write(rt, first)
    thread = threading.Thread(
        target=_run,
        args=(rt, actor, upload, first, options),
        name=f"scrub-{job_id}",
        daemon=True,
    )
    thread.start()
    thread.join(AWAIT)
    return read(rt, job_id)


def _run(
    rt: Runtime, actor: str, upload: Path, first: Progress, options: dict[str, str | None]
) -> None:
    began = time.monotonic()
    final: Progress
    try:
        with open(upload, "rb") as raw:
            counted = _CountingReader(raw)
            report = _reporter(rt, first, counted, began)
            out_path = rt.settings.data_dir / "scrubs" / f"{first.job_id}.csv"
            with rt.db.transaction() as session:
                summary = scrub.scrub_file(
                    session=session,
                    actor=actor,
                    source=counted,  # type: ignore[arg-type]
                    source_name=first.file_name,
                    out_path=out_path,
                    progress=report,
                    **options,  # type: ignore[arg-type]
                )
            out_path.replace(rt.settings.data_dir / "scrubs" / f"{summary.scrub_id}.csv")
        final = replace(
            first,
            state="done",
            rows_done=summary.rows,
            rows_total=summary.rows,
            seconds=time.monotonic() - began,
            scrub_id=summary.scrub_id,
        )
    except CallkeepError as exc:
        final = replace(first, state="failed", seconds=time.monotonic() - began, error=str(exc))
    except Exception:  # never a traceback on the page: the log has it
        log.exception("scrub %s failed", first.job_id)
        final = replace(
            first,
            state="failed",
            seconds=time.monotonic() - began,
            error="the scrub stopped on an internal error; the server's log has the details",
        )
    finally:
        upload.unlink(missing_ok=True)
    write(rt, final)


def _reporter(
    rt: Runtime, first: Progress, counted: _CountingReader, began: float
) -> Callable[[int], None]:
    written = [0.0]

    def report(_bytes_read: int) -> None:
        now = time.monotonic()
        if now - written[0] < EVERY:
            return
        written[0] = now
        done = min(first.rows_total, max(0, counted.lines - 1))
        write(rt, replace(first, rows_done=done, seconds=now - began))

    return report
