"""Is this server ready to answer checks correctly, and what does its database hold right now.

Ready means: the database answers, every list version in force has its index loaded (loading
it here if it was not, so the first check after a start pays nothing), and the national registry
in force is within its safe harbor (16 CFR 310.4(b)(3)(iv): obtained within 31 days). A server
that is not ready says why, reason by reason, so an operator (or a load balancer's log) can act.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import text

from callkeep.kit.clock import utcnow
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


def readiness(*, db: Database, now: datetime | None = None) -> Readiness:
    """Checks the database, the lists' indexes and the registry's freshness; see the module."""
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
        return found
    age = (moment.date() - coverage.as_of).days
    if age > lists_service.SAFE_HARBOR_DAYS:
        found.refuse(
            f"registry: the national registry in force is {age} days old; the safe harbor "
            f"needs one obtained within {lists_service.SAFE_HARBOR_DAYS} days"
        )
    return found


class StoredState(Collector):
    """Gauges read from the database at each scrape: each list's age in days (by its as-of
    date) and size, and the ledger's number of entries."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def describe(self) -> Iterator[Metric]:
        """The gauges without their values: the registry asks when the collector is added,
        before the database may even hold its tables."""
        yield from self._families()

    def collect(self) -> Iterator[Metric]:
        ages, sizes, entries = self._families()
        moment = utcnow()
        with self.db.transaction(read_only=True) as session:
            in_force = lists_service.versions_in_force(session=session, at=moment)
            for name, version in sorted(in_force.items()):
                ages.add_metric([name], (moment.date() - version.as_of).days)
                sizes.add_metric([name], version.size)
            entries.add_metric([], ledger.entry_count(session=session))
        yield ages
        yield sizes
        yield entries

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
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
        return ages, sizes, entries


def metrics_for(db: Database) -> Metrics:
    """An application's metrics, with the gauges read from `db` at each scrape."""
    metrics = Metrics()
    metrics.register(StoredState(db))
    return metrics
