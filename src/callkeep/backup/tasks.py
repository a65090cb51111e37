"""The backup domain's scheduled job: `CALLKEEP_BACKUP_SCHEDULE` (off by default)."""

from __future__ import annotations

from callkeep.backup import scheduled
from callkeep.kit.runtime import Runtime
from callkeep.kit.schedule import Job


def jobs(rt: Runtime) -> list[Job]:
    """The scheduled backup job, if backups are scheduled; CallkeepError if the setting is bad."""
    rule = scheduled.parse_schedule(rt.settings.backup_schedule)
    if rule is None:
        return []
    next_run, period = rule
    return [
        Job(
            name="backup",
            next_run=next_run,
            run=lambda: scheduled.take_scheduled(rt, period=period),
        )
    ]
