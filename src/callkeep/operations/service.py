"""Is this server ready to answer checks correctly, and what does its database hold right now.

Ready means: the database answers, every list version in force has its index loaded (loading
it here if it was not, so the first check after a start pays nothing), and the national registry
in force is within its safe harbor (16 CFR 310.4(b)(3)(iv): obtained within 31 days), and, when
a backup schedule is set, the last good backup is no older than twice the schedule's interval.
A server that is not ready says why, reason by reason, so an operator (or a load balancer's log) can act.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import text

from callkeep.backup import scheduled
from callkeep.backup import service as backup_service
from callkeep.config import Settings
from callkeep.errors import CallkeepError
from callkeep.kit.clock import parse_instant, utcnow
from callkeep.kit.db import Database
from callkeep.kit.observability import Metrics
from callkeep.ledger import service as ledger
from callkeep.lists import service as lists_service


@dataclass
class Readiness:
    """What `/readyz` answers: ready or not, and each reason it is not."""

    ready: bool = True
    reasons: list[str] = field(default_factory=list)
    lists: dict[str, str] = field(default_factory=dict)  # list name → version in force

    def refuse(self, reason: str) -> None:
        self.ready = False
        self.reasons.append(reason)


def backup_age_seconds(settings: Settings, now: datetime) -> float | None:
    """Seconds since the last good backup was taken, or None when there is none."""
    found = backup_service.last_good_backup(settings)
    if found is None:
        return None
    return (now - parse_instant(found.created_at)).total_seconds()


def _backup_reason(settings: Settings, now: datetime) -> str | None:
    """Why the scheduled backups are behind (older than twice their interval), or None."""
    try:
        rule = scheduled.parse_schedule(settings.backup_schedule)
    except CallkeepError as error:
        return f"backup: the schedule {settings.backup_schedule!r} is not valid ({error.message})"
    if rule is None:
        return None
    interval = rule[1]
    age = backup_age_seconds(settings, now)
    if age is None:
        return "backup: a backup schedule is set but no good backup has been made yet"
    if age > 2 * interval.total_seconds():
        return (
            f"backup: the last good backup is {int(age)} seconds old, more than twice the "
            f"schedule's interval ({int(interval.total_seconds())} seconds)"
        )
    return None


def readiness(
    *, db: Database, settings: Settings | None = None, now: datetime | None = None
) -> Readiness:
    """Checks the database, the lists' indexes, the registry's freshness and (with `settings`)
    the scheduled backups; see the module."""
    found = Readiness()
    moment = now or utcnow()
    try:
        with db.transaction(read_only=True) as session:
            session.execute(text("SELECT 1"))
            folder = lists_service.snapshot_folder(session)
            in_force = lists_service.versions_in_force(session=session, at=moment)
            for name, version in sorted(in_force.items()):
                found.lists[name] = version.label
                try:
                    lists_service.version_index(session=session, folder=folder, version=version)
                except Exception as exc:  # a missing or unreadable snapshot file
                    found.refuse(
                        f"list {name} version {version.label}: its index cannot be loaded "
                        f"({type(exc).__name__})"
                    )
            coverage = lists_service.national_coverage(session=session, at=moment)
    except Exception as exc:
        found.refuse(f"database: not reachable ({type(exc).__name__})")
        return found
    if coverage.as_of is None:
        found.refuse("registry: no national registry has been imported (callkeep lists import)")
    else:
        age = (moment.date() - coverage.as_of).days
        if age > lists_service.SAFE_HARBOR_DAYS:
            found.refuse(
                f"registry: the national registry in force is {age} days old; the safe harbor "
                f"needs one obtained within {lists_service.SAFE_HARBOR_DAYS} days"
            )
    behind = _backup_reason(settings, moment) if settings is not None else None
    if behind:
        found.refuse(behind)
    return found


class StoredState(Collector):
    """Gauges read from the database at each scrape: each list's age in days (by its as-of
    date) and size, the ledger's number of entries, and (with settings) the ages in seconds of
    the last signed checkpoint and the last good backup (absent when there is none)."""

    def __init__(self, db: Database, settings: Settings | None = None) -> None:
        self.db = db
        self.settings = settings

    def describe(self) -> Iterator[Metric]:
        """The gauges without their values: the registry asks when the collector is added,
        before the database may even hold its tables."""
        yield from self._families()

    def collect(self) -> Iterator[Metric]:
        ages, sizes, entries, checkpoint_age, backup_age = self._families()
        moment = utcnow()
        with self.db.transaction(read_only=True) as session:
            in_force = lists_service.versions_in_force(session=session, at=moment)
            for name, version in sorted(in_force.items()):
                ages.add_metric([name], (moment.date() - version.as_of).days)
                sizes.add_metric([name], version.size)
            entries.add_metric([], ledger.entry_count(session=session))
            last = ledger.last_checkpoint(session=session)
        if last is not None:
            made = parse_instant(last.made_at)
            checkpoint_age.add_metric([], (moment - made).total_seconds())
        backed_up = backup_age_seconds(self.settings, moment) if self.settings else None
        if backed_up is not None:
            backup_age.add_metric([], backed_up)
        yield ages
        yield sizes
        yield entries
        yield checkpoint_age
        yield backup_age

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, ...]:
        ages = GaugeMetricFamily(
            "callkeep_list_age_days",
            "Days since the as-of date of each list's version in force.",
            labels=["list"],
        )
        sizes = GaugeMetricFamily(
            "callkeep_list_numbers",
            "Numbers held by each list's version in force.",
            labels=["list"],
        )
        entries = GaugeMetricFamily(
            "callkeep_ledger_entries", "Entries in the ledger (every write appends one)."
        )
        checkpoint_age = GaugeMetricFamily(
            "callkeep_checkpoint_age_seconds",
            "Seconds since the newest signed ledger checkpoint was made.",
        )
        backup_age = GaugeMetricFamily(
            "callkeep_backup_age_seconds",
            "Seconds since the last good (verified) backup was taken.",
        )
        return ages, sizes, entries, checkpoint_age, backup_age


def metrics_for(db: Database, settings: Settings | None = None) -> Metrics:
    """An application's metrics, with the gauges read from `db` (and the backup folder of
    `settings`) at each scrape."""
    metrics = Metrics()
    metrics.register(StoredState(db, settings))
    return metrics
