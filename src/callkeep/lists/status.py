"""What `callkeep lists status` and `GET /api/v1/lists` show: each list's version in force."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callkeep.kit.clock import utcnow
from callkeep.lists.models import EntityListEntry, ListVersion
from callkeep.lists.schemas import ListStatus
from callkeep.lists.service import (
    NATIONAL,
    SAFE_HARBOR_DAYS,
    national_coverage,
    versions_in_force,
)


def status(*, session: Session, now: datetime | None = None) -> list[ListStatus]:
    """Every list: version in force now, size, age; for the national one coverage and freshness."""
    moment = now or utcnow()
    today = moment.date()
    in_force = versions_in_force(session=session, at=moment, seller_slug=None)
    names = set(session.scalars(select(ListVersion.list_name).distinct()))
    entity_sellers = set(session.scalars(select(EntityListEntry.seller_slug).distinct()))
    names |= {f"entity:{slug}" for slug in entity_sellers}
    found: list[ListStatus] = []
    for name in sorted(names, key=lambda n: (n != NATIONAL, n)):
        version = in_force.get(name)
        if name.startswith("entity:"):
            slug = name.removeprefix("entity:")
            version = versions_in_force(session=session, at=moment, seller_slug=slug).get(name)
        count = len(
            list(session.scalars(select(ListVersion.id).where(ListVersion.list_name == name)))
        )
        item = ListStatus(
            list=name,
            version=version.label if version else None,
            version_id=version.id if version else None,
            as_of=version.as_of if version else None,
            imported_at=version.recorded_at if version else None,
            size=version.size if version else 0,
            age_days=(today - version.as_of).days if version else None,
            versions=count,
        )
        if name.startswith("entity:"):
            slug = name.removeprefix("entity:")
            item.entries = (
                session.scalar(
                    select(func.count()).where(
                        EntityListEntry.seller_slug == slug, EntityListEntry.expires_at > moment
                    )
                )
                or 0
            )
        if name == NATIONAL:
            coverage = national_coverage(session=session, at=moment)
            item.area_codes = sorted(coverage.area_codes)
            if coverage.as_of is not None:
                lapse = coverage.as_of + timedelta(days=SAFE_HARBOR_DAYS)
                item.safe_harbor_days_left = (lapse - today).days
                item.stale = item.safe_harbor_days_left < 0
        found.append(item)
    return found
