"""The list versions in force at a moment: the catalogue of every version, kept per process and
re-read when another process imports one, and each version's loaded numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from callkeep.errors import InvalidInput
from callkeep.kit.clock import to_utc_second
from callkeep.kit.stamped import StampedCache, stamp_of
from callkeep.lists import index
from callkeep.lists.models import ListVersion


@dataclass(frozen=True)
class VersionRow:
    """What a look-up needs of one `ListVersion`, kept in memory between look-ups."""

    id: str
    list_name: str
    seq: int
    label: str
    as_of: date
    storage: str
    base_version_id: str
    file_name: str
    coverage: str
    size: int
    recorded_at: datetime


def catalog(*, session: Session) -> dict[str, VersionRow]:
    """Every list version by id; re-read only when a version was added since the last call.

    Versions are written once and never changed, so one small query (a count and the newest
    id) tells whether another process imported a new one: a running server sees it at once.
    Within one transaction the answer is remembered until a version is added in it.
    """
    return _CATALOG.get(session=session)


def _load_catalog(session: Session) -> dict[str, VersionRow]:
    return {
        v.id: VersionRow(
            id=v.id,
            list_name=v.list_name,
            seq=v.seq,
            label=v.label,
            as_of=v.as_of,
            storage=v.storage,
            base_version_id=v.base_version_id,
            file_name=v.file_name,
            coverage=v.coverage,
            size=v.size,
            recorded_at=v.recorded_at,
        )
        for v in session.scalars(select(ListVersion))
    }


_CATALOG = StampedCache(
    "lists.catalog",
    stamp=stamp_of((ListVersion.__table__, ListVersion.id)),
    load=_load_catalog,
    watches=(ListVersion,),
)


def versions_in_force(
    *, session: Session, at: datetime, seller_slug: str | None = None
) -> dict[str, VersionRow]:
    """For each list, the newest version whose as-of date is on or before `at`'s date."""
    day = to_utc_second(at, field="at").date()
    found: dict[str, VersionRow] = {}
    for row in catalog(session=session).values():
        if row.as_of > day:
            continue
        if row.list_name.startswith("entity:") and row.list_name != f"entity:{seller_slug}":
            continue
        current = found.get(row.list_name)
        if current is None or (row.as_of, row.seq) > (current.as_of, current.seq):
            found[row.list_name] = row
    return found


def latest_version(*, session: Session, name: str) -> ListVersion | None:
    """The newest version of a list, whatever its as-of date."""
    return session.scalars(
        select(ListVersion)
        .where(ListVersion.list_name == name)
        .order_by(ListVersion.seq.desc())
        .limit(1)
    ).first()


def version_index(
    *, session: Session, folder: Path, version: VersionRow | ListVersion
) -> index.VersionIndex:
    """The loaded numbers of `version` (cached per process)."""
    if version.storage == "snapshot":
        return index.CACHE.version(folder=folder, snapshot_file=version.file_name, delta_file=None)
    base = catalog(session=session).get(version.base_version_id)
    if base is None:
        raise InvalidInput(f"list version {version.id} names a missing snapshot")
    return index.CACHE.version(
        folder=folder, snapshot_file=base.file_name, delta_file=version.file_name
    )


def snapshot_folder(session: Session) -> Path:
    """Where the snapshot files of this session's runtime live."""
    folder = session.info.get("snapshot_dir")
    if folder is not None:
        return Path(folder)
    from callkeep.config import get_settings

    return get_settings().snapshot_dir


def coverage_of(version: VersionRow | ListVersion) -> dict[int, date]:
    """The area codes a version covers, each with the as-of date of its data."""
    found: dict[int, date] = {}
    for item in version.coverage.split():
        code, _, day = item.partition(":")
        found[int(code)] = date.fromisoformat(day)
    return found
