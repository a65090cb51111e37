"""Background jobs of a running server: each job runs at the times its rule gives, on one thread.

A job is a name, a rule (given the time now, when it next runs) and a function. The thread sleeps
until the next job is due, runs it, and logs what fails without stopping the others. Nothing
here knows what a job does; the domains declare theirs (`ledger/tasks.py`, `backup/tasks.py`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from callkeep.kit.clock import utcnow

_log = logging.getLogger(__name__)

NextRun = Callable[[datetime], datetime]


@dataclass(frozen=True)
class Job:
    """A named function run at the times `next_run` gives (it is told the time now)."""

    name: str
    next_run: NextRun
    run: Callable[[], object]
    at_start: bool = False  # also once as soon as the schedule starts


def every(period: timedelta) -> NextRun:
    """The next multiple of `period` since midnight UTC after now (hourly: the next full hour)."""

    def next_run(now: datetime) -> datetime:
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        steps = (now - midnight) // period + 1
        return midnight + steps * period

    return next_run


def daily_at(hour: int, minute: int) -> NextRun:
    """Every day at hour:minute UTC."""

    def next_run(now: datetime) -> datetime:
        today = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        return today if today > now else today + timedelta(days=1)

    return next_run


class Schedule:
    """Runs jobs on one daemon thread until stopped."""

    def __init__(self, jobs: Sequence[Job]) -> None:
        self.jobs = list(jobs)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="callkeep-schedule", daemon=True)

    def start(self) -> Schedule:
        if self.jobs:
            self._thread.start()
        return self

    def stop(self) -> None:
        """Asks the thread to stop and waits for a job in progress to finish (30 s at most)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        now = utcnow()
        due = {job.name: (now if job.at_start else job.next_run(now)) for job in self.jobs}
        while not self._stop.is_set():
            job = min(self.jobs, key=lambda j: due[j.name])
            wait = (due[job.name] - utcnow()).total_seconds()
            if wait > 0 and self._stop.wait(min(wait, 60.0)):
                return
            if utcnow() < due[job.name]:
                continue  # woke to look again (the clock may have been changed)
            self._run(job)
            due[job.name] = job.next_run(utcnow())

    def _run(self, job: Job) -> None:
        try:
            job.run()
        except Exception:
            _log.exception("scheduled job %s failed", job.name)
