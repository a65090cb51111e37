"""The reports domain's scheduled job: retention, off unless `CALLKEEP_RETENTION_INTERVAL_HOURS` > 0.

When on, the server's schedule (`kit/schedule.py`) applies retention at that interval, each run in
its own transaction, recorded in the ledger like a run from the CLI. A failed run is logged by the
schedule and tried again at the next interval; it never stops the server.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from callkeep.kit.runtime import Runtime
from callkeep.kit.schedule import Job, every

log = logging.getLogger("callkeep.retention")
ACTOR = "retention:scheduled"


def run_once(rt: Runtime) -> dict[str, int]:
    """Applies retention now; returns the counts purged per record type."""
    from callkeep.reports import retention

    with rt.db.transaction() as session:
        report = retention.run(session=session, actor=ACTOR, apply=True)
    purged = {name: len(ids) for name, ids in report.purged.items()}
    log.info("retention purged %s", purged)
    return purged


def jobs(rt: Runtime) -> list[Job]:
    """The scheduled retention run, if the setting asks for one."""
    hours = rt.settings.retention_interval_hours
    if hours <= 0:
        return []
    return [Job(name="retention", next_run=every(timedelta(hours=hours)), run=lambda: run_once(rt))]
