"""How old the national registry in use was on each day, against the 31-day safe harbor."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from callkeep.lists.models import ListVersion
from callkeep.lists.service import NATIONAL, SAFE_HARBOR_DAYS


@dataclass(frozen=True)
class RegistryDay:
    day: date
    version: str | None
    age_days: int | None

    @property
    def stale(self) -> bool:
        return self.age_days is None or self.age_days > SAFE_HARBOR_DAYS


def registry_ages(*, session: Session, first: date, last: date) -> list[RegistryDay]:
    """Each day from `first` to `last`: the newest national version obtained on or before it
    (as a check on that day uses) and its age in days; `version` None before the first."""
    versions = sorted(
        session.execute(
            select(ListVersion.as_of, ListVersion.label).where(ListVersion.list_name == NATIONAL)
        ).all()
    )
    dates = [v[0] for v in versions]
    found = []
    day = first
    while day <= last:
        i = bisect.bisect_right(dates, day) - 1
        if i < 0:
            found.append(RegistryDay(day, None, None))
        else:
            found.append(RegistryDay(day, versions[i][1], (day - dates[i]).days))
        day += timedelta(days=1)
    return found


def versions(*, session: Session, limit: int = 100) -> list[ListVersion]:
    """The latest list versions of every list, newest first."""
    return list(
        session.scalars(
            select(ListVersion)
            .order_by(ListVersion.recorded_at.desc(), ListVersion.seq.desc())
            .limit(limit)
        )
    )
