"""The server's scheduled retention run: off unless `CALLKEEP_RETENTION_INTERVAL_HOURS` > 0.

When on, a background thread applies retention once at that interval (the first run one interval
after start), each run in its own transaction, recorded in the ledger like a run from the CLI.
A failed run is logged and tried again at the next interval; it never stops the server.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from callkeep.kit.runtime import Runtime

log = logging.getLogger("callkeep.retention")
ACTOR = "retention:scheduled"


def run_once(rt: Runtime) -> dict[str, int]:
    """Applies retention now; returns the counts purged per record type."""
    from callkeep.reports import retention

    with rt.db.transaction() as session:
        report = retention.run(session=session, actor=ACTOR, apply=True)
    return {name: len(ids) for name, ids in report.purged.items()}


def start(rt: Runtime) -> Callable[[], None]:
    """Starts the scheduled run if the setting asks for it; returns the function that stops it."""
    hours = rt.settings.retention_interval_hours
    if hours <= 0:
        return lambda: None
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(hours * 3600):
            try:
                purged = run_once(rt)
                log.info("retention purged %s", purged)
            except Exception:  # logged, retried at the next interval
                log.exception("scheduled retention run failed")

    thread = threading.Thread(target=loop, name="callkeep-retention", daemon=True)
    thread.start()

    def halt() -> None:
        stop.set()
        thread.join(timeout=5)

    return halt
