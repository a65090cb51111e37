"""Importing a list: stream the files, build the next version, write its file, record it.

The order makes an import atomic: the snapshot (or delta) file is written under a temporary
name and renamed, then the `ListVersion` record is written in the caller's transaction. A crash
before the commit leaves a file no record names; nothing loads it or backs it up (both go by the
records), and the next import removes it at once.

Imports are serialised, so each builds on the version before it: a file lock on the snapshot
folder, and the database's write lock until the version is committed (SQLite's, or on
PostgreSQL an advisory lock).
"""

from __future__ import annotations

import hashlib
import time
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from callkeep.errors import InvalidInput
from callkeep.kit.clock import utcnow
from callkeep.kit.ids import new_id
from callkeep.ledger import service as ledger
from callkeep.lists import index, parse, service, sources
from callkeep.lists.models import ListVersion
from callkeep.lists.schemas import ImportReport, UnreadableLineOut
from callkeep.lists.version_files import clean_leftovers, import_lock, sha256_of

# A version is stored as a delta while its changes since the snapshot stay this small.
DELTA_SHARE = 0.02
DELTA_FLOOR = 10_000
_PG_IMPORT_LOCK = 7_246_602  # serialises list imports across servers sharing one database


@dataclass(frozen=True)
class ImportRequest:
    """What to import and the registry access record that goes with it."""

    paths: list[Path]
    list_name: str
    as_of: date | None = None
    change: bool = False
    san: str | None = None
    campaigns: str | None = None
    area_codes: list[int] | None = None
    source_names: list[str] | None = None
    accessed_by: str | None = None


def _compose(
    prior_added: index.Numbers,
    prior_removed: index.Numbers,
    added: index.Numbers,
    removed: index.Numbers,
) -> tuple[index.Numbers, index.Numbers]:
    """Changes since the snapshot, after one more step of changes."""
    net_removed = np.setdiff1d(
        np.union1d(prior_removed, np.setdiff1d(removed, prior_added, assume_unique=True)),
        added,
        assume_unique=True,
    )
    net_added = np.union1d(
        np.setdiff1d(prior_added, removed, assume_unique=True),
        np.setdiff1d(added, prior_removed, assume_unique=True),
    )
    return net_added.astype(np.int64), net_removed.astype(np.int64)


def import_list(
    *, session: Session, actor: str, folder: Path, max_unzipped: int, request: ImportRequest
) -> ImportReport:
    """Imports list files as the next version of a list. The same content with the same as-of
    date changes nothing; with a later one it is a renewal: a new version (and access record)
    that shares the stored file of the version in force."""
    started = time.perf_counter()
    name = service.list_name(request.list_name, session=session)
    if not request.paths:
        raise InvalidInput.for_field("file", "name at least one list file")
    names = request.source_names or [p.name for p in request.paths]
    for path, shown in zip(request.paths, names, strict=True):
        if not path.is_file():
            raise InvalidInput.for_field("file", f"{shown}: no such file")
        if path.stat().st_size == 0:
            raise InvalidInput.for_field("file", f"{shown}: the file is empty")
    shas = [sha256_of(p) for p in request.paths]
    source_sha = (
        shas[0] if len(shas) == 1 else hashlib.sha256(" ".join(sorted(shas)).encode()).hexdigest()
    )
    source_name = " ".join(names)[:1000]
    codes = _area_codes_option(request.area_codes)
    today = utcnow().date()
    as_of = request.as_of or today
    if as_of > today + timedelta(days=1):
        raise InvalidInput.for_field("as_of", f"{as_of} is in the future")

    with import_lock(folder):
        if session.get_bind().dialect.name == "postgresql":
            # held until this transaction ends, so the next import builds on this version
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_IMPORT_LOCK})
        clean_leftovers(session=session, folder=folder)
        # Only the same content obtained on the same day is a no-op: obtaining the registry again
        # (a later --as-of) renews it even when nothing changed (16 CFR 310.4(b)(3)(iv)), and is
        # a new access record (310.5(a)(11)).
        same = session.scalars(
            select(ListVersion).where(
                ListVersion.list_name == name,
                ListVersion.source_sha256 == source_sha,
                ListVersion.change == request.change,
                ListVersion.as_of == as_of,
            )
        ).first()
        if same is not None:
            return _report(same, already=True, seconds=time.perf_counter() - started)
        latest = service.latest_version(session=session, name=name)
        if latest is not None and as_of < latest.as_of:
            raise InvalidInput.for_field(
                "as_of",
                f"{name} already has a version as of {latest.as_of}; "
                f"a version as of {as_of} cannot come after it",
            )
        previous = (
            service.version_index(session=session, folder=folder, version=latest).state()
            if latest is not None
            else index.ListState()
        )
        tally = parse.ParseTally()
        incoming = previous.copy() if request.change else index.ListState()
        removed_absent = 0
        try:
            for source, stream in sources.open_sources(request.paths, names, max_unzipped):
                for batch in parse.read_numbers(
                    stream, source=source, change=request.change, tally=tally
                ):
                    removed_absent += _apply(incoming, batch, name=name)
        except parse.BinaryContent as exc:
            raise InvalidInput.for_field(
                "file", f"{exc.source}: not a text list (binary content); nothing was imported"
            ) from None
        except zipfile.BadZipFile as exc:
            raise InvalidInput.for_field("file", f"damaged zip archive: {exc}") from None
        if tally.numbers == 0:
            shown = "; ".join(
                f"{u.source}:{u.line}: {u.reason}" for u in tally.first_unreadable[:3]
            )
            raise InvalidInput.for_field(
                "file",
                f"no phone numbers could be read ({tally.unreadable} unreadable lines"
                + (f"; {shown}" if shown else "")
                + "); nothing was imported",
            )
        new_state = _next_state(previous, incoming, name=name, change=request.change, codes=codes)
        added_count, removed_count = new_state.change_counts(previous)
        version_id = new_id()
        shared = latest is not None and added_count + removed_count == 0
        if latest is not None and shared:
            # a renewal, or a change list that changes nothing: the version in force's file holds
            # exactly these numbers, so the new version shares it (no second copy)
            storage, base_id, file_name = latest.storage, latest.base_version_id, latest.file_name
            size, file_sha = latest.size, latest.file_sha256
        else:
            storage, base_id, file_name, size = _write_version(
                folder=folder,
                latest=latest,
                previous=previous,
                state=new_state,
                changed=added_count + removed_count,
                version_id=version_id,
            )
            file_sha = sha256_of(folder / file_name)
        coverage = _coverage(
            latest, new_state, incoming, name=name, change=request.change, codes=codes, as_of=as_of
        )
        version = ListVersion(
            id=version_id,
            list_name=name,
            seq=(latest.seq + 1) if latest is not None else 1,
            label=_label(session, name, as_of),
            as_of=as_of,
            change=request.change,
            storage=storage,
            base_version_id=base_id,
            file_name=file_name,
            file_sha256=file_sha,
            source_name=source_name,
            source_sha256=source_sha,
            size=size,
            added=added_count,
            removed=removed_count,
            removed_absent=removed_absent,
            unreadable=tally.unreadable,
            coverage=" ".join(f"{c}:{d.isoformat()}" for c, d in sorted(coverage.items())),
            accessed_by=request.accessed_by or actor,
            accessed_on=today,
            san=request.san,
            campaigns=request.campaigns,
            recorded_by=actor,
        )
        ledger.record(session=session, actor=actor, entity=version)
    report = _report(version, already=False, seconds=time.perf_counter() - started)
    report.numbers_read = tally.numbers
    report.headers = tally.headers
    report.first_unreadable = [UnreadableLineOut(**u.__dict__) for u in tally.first_unreadable]
    report.renews = latest.label if shared and latest is not None else None
    return report


def _area_codes_option(codes: list[int] | None) -> set[int] | None:
    if not codes:
        return None
    table = parse.area_code_table()
    for code in codes:
        if not (0 <= code < 1000) or not table[code]:
            raise InvalidInput.for_field("area_codes", f"area code {code} does not exist")
    return set(codes)


def _apply(state: index.ListState, batch: parse.Batch, *, name: str) -> int:
    """Applies one batch in file order (the last line about a number wins)."""
    if not batch.deletes.any():
        state.add(batch.numbers)
        return 0
    if name.startswith("entity:"):
        raise InvalidInput.for_field(
            "file", "an entity-specific list never loses numbers by import (remove 'D' lines)"
        )
    reversed_numbers = batch.numbers[::-1]
    _, last = np.unique(reversed_numbers, return_index=True)
    numbers = reversed_numbers[last]
    deletes = batch.deletes[::-1][last]
    state.add(numbers[~deletes])
    to_delete = numbers[deletes]
    present = state.remove(to_delete)
    return int(to_delete.size) - present


def _next_state(
    previous: index.ListState,
    incoming: index.ListState,
    *,
    name: str,
    change: bool,
    codes: set[int] | None,
) -> index.ListState:
    if change:
        return incoming
    if name == service.NATIONAL:
        present = set(incoming.counts())
        outside = sorted(present - codes) if codes is not None else []
        if outside:
            shown = ", ".join(map(str, outside[:10]))
            raise InvalidInput.for_field(
                "area_codes", f"the files hold numbers in area codes not named: {shown}"
            )
        replaced = codes if codes is not None else present
        merged = previous.copy()
        merged.clear_area_codes(replaced)
        for npa, row in incoming.rows.items():
            if npa in replaced:
                merged.share(npa, row)
        return merged
    if name.startswith("entity:"):
        merged = previous.copy()
        for npa, row in incoming.rows.items():
            merged.row(npa)[:] |= row
        return merged
    return incoming


def _coverage(
    latest: ListVersion | None,
    state: index.ListState,
    incoming: index.ListState,
    *,
    name: str,
    change: bool,
    codes: set[int] | None,
    as_of: date,
) -> dict[int, date]:
    if name != service.NATIONAL:
        return {}
    found = service.coverage_of(latest) if latest is not None else {}
    if change:
        return {code: as_of for code in set(found) | set(state.counts())}
    fresh = codes if codes is not None else set(incoming.counts())
    found.update({code: as_of for code in fresh})
    return found


def _label(session: Session, name: str, as_of: date) -> str:
    taken = set(
        session.scalars(
            select(ListVersion.label).where(
                ListVersion.list_name == name, ListVersion.as_of == as_of
            )
        )
    )
    label = as_of.isoformat()
    number = 2
    while label in taken:
        label = f"{as_of.isoformat()}.{number}"
        number += 1
    return label


def _write_version(
    *,
    folder: Path,
    latest: ListVersion | None,
    previous: index.ListState,
    state: index.ListState,
    changed: int,
    version_id: str,
) -> tuple[str, str, str, int]:
    """Writes a delta when the changes since the snapshot stay small, else a snapshot."""
    size = state.size()
    limit = max(DELTA_FLOOR, DELTA_SHARE * size)
    if latest is not None and changed <= limit:
        if latest.storage == "snapshot":
            prior = (np.zeros(0, np.int64), np.zeros(0, np.int64))
            base_id = latest.id
        else:
            prior = index.read_delta(folder / latest.file_name)
            base_id = latest.base_version_id
        added = state.difference(previous)
        removed = previous.difference(state)
        net_added, net_removed = _compose(prior[0], prior[1], added, removed)
        if net_added.size + net_removed.size <= limit:
            file_name = f"{version_id}.delta"
            index.write_delta(net_added, net_removed, folder / file_name)
            return "delta", base_id, file_name, size
    file_name = f"{version_id}.snap"
    index.write_snapshot(state, folder / file_name)
    return "snapshot", version_id, file_name, size


def _report(version: ListVersion, *, already: bool, seconds: float) -> ImportReport:
    codes = sorted(service.coverage_of(version)) if version.coverage else []
    return ImportReport(
        list=version.list_name,
        version=version.label,
        version_id=version.id,
        already_imported=already,
        as_of=version.as_of,
        change=version.change,
        source_name=version.source_name,
        sha256=version.source_sha256,
        storage=version.storage,
        numbers_read=0,
        added=version.added,
        removed=version.removed,
        removed_absent=version.removed_absent,
        unreadable=version.unreadable,
        size=version.size,
        area_codes=codes,
        seconds=round(seconds, 3),
    )
