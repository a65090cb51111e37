"""Backups on a schedule: taken by `serve`, verified, kept grandfather-father-son.

``CALLKEEP_BACKUP_SCHEDULE`` turns them on (``hourly``, ``daily`` or ``daily HH:MM``, UTC). Each
backup goes to ``backups/scheduled/callkeep-<UTC time>.zip`` and is verified at once (every hash,
the signature, the ledger replayed, each checkpoint proven); one that does not verify is removed
and the failure logged. The newest backup of each of the last N days, weeks and months is kept
(``CALLKEEP_BACKUP_KEEP_DAILY``/``_WEEKLY``/``_MONTHLY``), and the others are deleted. Backups
made by hand elsewhere are never deleted. The last good backup is written down in
``backups/last-good.json`` for health pages.
"""

from __future__ import annotations

import fcntl
import logging
import re
from collections.abc import Callable, Hashable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from callkeep.backup import service
from callkeep.config import Settings
from callkeep.errors import CallkeepError
from callkeep.kit.clock import utcnow
from callkeep.kit.runtime import Runtime
from callkeep.kit.schedule import NextRun, daily_at, every

_log = logging.getLogger(__name__)
_NAME = re.compile(r"^callkeep-(\d{8}T\d{6}Z)\.zip$")
_DAILY = re.compile(r"^daily(?:\s+(\d{1,2}):(\d{2}))?$")


def parse_schedule(text: str) -> tuple[NextRun, timedelta] | None:
    """The rule and period of ``CALLKEEP_BACKUP_SCHEDULE``; None when off; CallkeepError if bad."""
    value = text.strip().lower()
    if not value or value == "off":
        return None
    if value == "hourly":
        return every(timedelta(hours=1)), timedelta(hours=1)
    match = _DAILY.match(value)
    if match:
        hour, minute = int(match.group(1) or 0), int(match.group(2) or 0)
        if hour < 24 and minute < 60:
            return daily_at(hour, minute), timedelta(days=1)
    raise CallkeepError(
        f"CALLKEEP_BACKUP_SCHEDULE={text!r}: use 'hourly', 'daily' or 'daily HH:MM' (UTC), "
        "or leave it empty (off)"
    )


def scheduled_dir(settings: Settings) -> Path:
    return settings.backup_dir / "scheduled"


def _stamp(path: Path) -> datetime | None:
    match = _NAME.match(path.name)
    if not match:
        return None
    return datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def to_keep(stamps: Iterable[datetime], *, daily: int, weekly: int, monthly: int) -> set[datetime]:
    """Grandfather-father-son: the newest of each of the last `daily` days, `weekly` ISO weeks
    and `monthly` months that have a backup, and always the newest of all."""
    newest_first = sorted(set(stamps), reverse=True)
    keep = set(newest_first[:1])
    periods: list[tuple[Callable[[datetime], Hashable], int]] = [
        (lambda s: s.date(), daily),
        (lambda s: s.isocalendar()[:2], weekly),
        (lambda s: (s.year, s.month), monthly),
    ]
    for period_of, count in periods:
        seen: set[Hashable] = set()
        for stamp in newest_first:
            period = period_of(stamp)
            if period in seen:
                continue
            if len(seen) >= count:
                break
            seen.add(period)
            keep.add(stamp)
    return keep


def prune(settings: Settings) -> list[Path]:
    """Deletes the scheduled backups grandfather-father-son does not keep; returns them."""
    folder = scheduled_dir(settings)
    found = {stamp: path for path in folder.glob("callkeep-*.zip") if (stamp := _stamp(path))}
    keep = to_keep(
        found,
        daily=settings.backup_keep_daily,
        weekly=settings.backup_keep_weekly,
        monthly=settings.backup_keep_monthly,
    )
    removed = [path for stamp, path in sorted(found.items()) if stamp not in keep]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def take_scheduled(rt: Runtime, *, period: timedelta) -> Path | None:
    """One scheduled backup, unless another process is taking it or took it this period.

    Returns the backup's path (None when skipped). A backup that does not verify is removed.
    """
    folder = scheduled_dir(rt.settings)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".schedule.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None
        now = utcnow()
        taken = [s for p in folder.glob("callkeep-*.zip") if (s := _stamp(p))]
        if taken and now - max(taken) < period / 2:
            return None
        out = folder / f"callkeep-{now:%Y%m%dT%H%M%SZ}.zip"
        check = service.create_verified(rt=rt, out=out)
        if not check.intact:
            out.unlink(missing_ok=True)
            _log.error("scheduled backup %s did not verify: %s", out, "; ".join(check.problems))
            return None
        prune(rt.settings)
        return out
