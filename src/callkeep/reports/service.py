"""Regulator production packages: the records asked for, their ledger entries, and hashes.

A package is a zip a regulator can check without callkeep and without any key:

* one CSV per record type (the records as they were written; corrections are in
  ``amendments.csv``), safe to open in a spreadsheet;
* ``records.jsonl``: per record, its canonical content and its ledger entry, so that
  SHA-256(content) equals the entry's digest and the entry's hash can be recomputed;
* ``manifest.json``: the filters, counts, the ledger head, and the SHA-256 of every file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from callkeep import __version__
from callkeep.checks.models import Decision
from callkeep.errors import InvalidInput
from callkeep.kit.canonical import canonical_bytes, digest
from callkeep.kit.clock import iso, utcnow
from callkeep.ledger import service as ledger
from callkeep.ledger.models import LedgerEntry, Recorded
from callkeep.lists.models import ListVersion
from callkeep.phone.parse import normalize
from callkeep.records import models as rm
from callkeep.records import queries as records_queries
from callkeep.reports.csvsafe import cell
from callkeep.reports.models import ExportRecord
from callkeep.reports.schemas import ExportFilters
from callkeep.requests.models import DncRequest

MANIFEST = "manifest.json"
RECORDS = "records.jsonl"


@dataclass(frozen=True)
class _Scope:
    start: datetime | None
    end: datetime | None
    seller_id: str | None
    campaign_id: str | None
    phone: str | None


def _scope(session: Session, filters: ExportFilters) -> _Scope:
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InvalidInput.for_field("from", "the start date is after the end date")
    start = datetime.combine(filters.date_from, time(), UTC) if filters.date_from else None
    end = (
        datetime.combine(filters.date_to + timedelta(days=1), time(), UTC)
        if filters.date_to
        else None
    )
    seller_id = campaign_id = None
    if filters.seller:
        seller_id = records_queries.resolve_seller(session=session, ref=filters.seller).id
    if filters.campaign:
        if seller_id is None:
            seller_id = records_queries.resolve_seller(session=session, ref=None).id
        campaign_id = records_queries.resolve_campaign(
            session=session, ref=filters.campaign, seller_id=seller_id
        ).id
    phone = normalize(filters.phone, field="phone") if filters.phone else None
    return _Scope(start, end, seller_id, campaign_id, phone)


def _in_range(query: Select[Any], column: Any, scope: _Scope) -> Select[Any]:
    if scope.start is not None:
        query = query.where(column >= scope.start)
    if scope.end is not None:
        query = query.where(column < scope.end)
    return query


def _calls(session: Session, scope: _Scope) -> list[rm.Call]:
    query = _in_range(
        select(rm.Call), func.coalesce(rm.Call.started_at, rm.Call.recorded_at), scope
    )
    if scope.seller_id:
        query = query.where(rm.Call.seller_id == scope.seller_id)
    if scope.campaign_id:
        query = query.where(rm.Call.campaign_id == scope.campaign_id)
    if scope.phone:
        query = query.where(
            or_(rm.Call.called_number == scope.phone, rm.Call.calling_number == scope.phone)
        )
    return list(session.scalars(query.order_by(rm.Call.started_at, rm.Call.id)))


def _decisions(session: Session, scope: _Scope, calls: list[rm.Call]) -> list[Decision]:
    ids = {c.decision_id for c in calls if c.decision_id}
    found = {d.id: d for d in session.scalars(select(Decision).where(Decision.id.in_(ids)))}
    query = _in_range(select(Decision), Decision.at, scope)
    if scope.seller_id:
        query = query.where(Decision.seller_id == scope.seller_id)
    if scope.campaign_id:
        query = query.where(Decision.campaign_id == scope.campaign_id)
    if scope.phone:
        query = query.where(Decision.phone == scope.phone)
        found.update({d.id: d for d in session.scalars(query)})
    return sorted(found.values(), key=lambda d: (d.at, d.id))


def _by_seller_phone(session: Session, model: Any, at_column: Any, scope: _Scope) -> list[Any]:
    query = _in_range(select(model), at_column, scope)
    if scope.seller_id:
        query = query.where(model.seller_id == scope.seller_id)
    if scope.phone:
        query = query.where(model.phone == scope.phone)
    return list(session.scalars(query.order_by(at_column, model.id)))


def _parties(session: Session, scope: _Scope, calls: list[rm.Call]) -> list[Recorded]:
    seller_ids = {c.seller_id for c in calls} | ({scope.seller_id} if scope.seller_id else set())
    campaign_ids = {c.campaign_id for c in calls if c.campaign_id}
    employee_ids = {c.employee_id for c in calls if c.employee_id}
    found: list[Recorded] = []
    found += session.scalars(select(rm.Seller).where(rm.Seller.id.in_(seller_ids)))
    found += session.scalars(select(rm.Campaign).where(rm.Campaign.id.in_(campaign_ids)))
    found += session.scalars(select(rm.Employee).where(rm.Employee.id.in_(employee_ids)))
    return found


def _amendments(session: Session, records: Iterable[Recorded]) -> list[rm.Amendment]:
    targets: dict[str, set[str]] = {}
    for record in records:
        targets.setdefault(record.__tablename__, set()).add(record.id)
    found: list[rm.Amendment] = []
    for target_type, ids in targets.items():
        found += session.scalars(
            select(rm.Amendment).where(
                rm.Amendment.target_type == target_type, rm.Amendment.target_id.in_(ids)
            )
        )
    return sorted(found, key=lambda a: (a.recorded_at, a.id))


def _csv(records: list[Recorded]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if records:
        columns = list(records[0].ledger_content())
        writer.writerow(columns)
        for record in records:
            content = record.ledger_content()
            writer.writerow([cell(_shown(content[c])) for c in columns])
    return buffer.getvalue().encode("utf-8")


def _shown(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _jsonl(session: Session, records: list[Recorded]) -> tuple[bytes, int]:
    lines: list[bytes] = []
    for record in records:
        entries = ledger.history(
            session=session, entity_type=record.__tablename__, entity_id=record.id
        )
        entry = entries[-1] if entries else None
        content = json.loads(canonical_bytes(record.ledger_content()))
        line = {
            "entity_type": record.__tablename__,
            "entity_id": record.id,
            "content": content,
            "ledger": None
            if entry is None
            else {
                "seq": entry.seq,
                "at": iso(entry.at),
                "actor": entry.actor,
                "action": entry.action,
                "digest": entry.digest,
                "prev_hash": entry.prev_hash,
                "hash": entry.hash,
            },
        }
        lines.append(json.dumps(line, ensure_ascii=False, sort_keys=True).encode() + b"\n")
    return b"".join(lines), len(lines)


def build(
    *, session: Session, actor: str, filters: ExportFilters, out: Path
) -> tuple[ExportRecord, dict[str, Any]]:
    """Writes the production package for `filters` to `out` and records that it was made."""
    scope = _scope(session, filters)
    calls = _calls(session, scope)
    sections: dict[str, list[Recorded]] = {
        "calls": list(calls),
        "decisions": list(_decisions(session, scope, calls)),
        "dnc_requests": _by_seller_phone(session, DncRequest, DncRequest.received_at, scope),
        "consents": _by_seller_phone(session, rm.Consent, rm.Consent.recorded_at, scope),
        "consent_revocations": _by_seller_phone(
            session, rm.ConsentRevocation, rm.ConsentRevocation.recorded_at, scope
        ),
        "parties": _parties(session, scope, calls),
        "list_versions": list(
            session.scalars(select(ListVersion).order_by(ListVersion.recorded_at))
        ),
    }
    every = [r for records in sections.values() for r in records]
    sections["amendments"] = list(_amendments(session, every))
    every += sections["amendments"]
    files: dict[str, bytes] = {}
    for name, records in sections.items():
        if name == "parties":
            for kind in ("sellers", "campaigns", "employees"):
                files[f"{kind}.csv"] = _csv([r for r in records if r.__tablename__ == kind])
        else:
            files[f"{name}.csv"] = _csv(records)
    files[RECORDS], count = _jsonl(session, every)
    head = session.execute(
        select(LedgerEntry.seq, LedgerEntry.hash).order_by(LedgerEntry.seq.desc()).limit(1)
    ).first()
    manifest = {
        "callkeep_version": __version__,
        "created_at": iso(utcnow()),
        "filters": filters.model_dump(mode="json"),
        "counts": {name: len(records) for name, records in sections.items()},
        "records": count,
        "ledger_head": {"seq": head[0], "hash": head[1]} if head else None,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
        "how_to_verify": "sha256 of every file equals files[name]; for every line of "
        "records.jsonl, sha256 of the canonical JSON of 'content' (sorted keys, no spaces, "
        "UTF-8) equals ledger.digest; or run 'callkeep export verify PACKAGE.zip'",
    }
    files[MANIFEST] = json.dumps(manifest, indent=2, sort_keys=True).encode()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
        package_sha = hashlib.sha256(handle.read()).hexdigest()
    os.replace(partial, out)
    record = ledger.record(
        session=session,
        actor=actor,
        entity=ExportRecord(
            filters=canonical_bytes(filters.model_dump(mode="json")).decode(),
            records=count,
            package_sha256=package_sha,
            file_name=out.name,
            recorded_by=actor,
        ),
    )
    return record, manifest


def check(*, path: Path) -> tuple[bool, int, int, list[str]]:
    """Recomputes every hash of a package: files against the manifest, records against
    their ledger digests and entry hashes. Returns (intact, files, records, problems)."""
    problems: list[str] = []
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InvalidInput.for_field("file", f"{path} is not a readable package: {exc}") from None
    with archive:
        try:
            manifest = json.loads(archive.read(MANIFEST))
            listed: dict[str, str] = manifest["files"]
        except (KeyError, ValueError) as exc:
            return False, 0, 0, [f"manifest.json is missing or unreadable ({exc})"]
        names = set(archive.namelist()) - {MANIFEST}
        problems += [f"{n}: not listed in the manifest" for n in sorted(names - set(listed))]
        problems += [f"{n}: listed but missing" for n in sorted(set(listed) - names)]
        for name in sorted(names & set(listed)):
            if hashlib.sha256(archive.read(name)).hexdigest() != listed[name]:
                problems.append(f"{name}: content differs from the manifest")
        records = 0
        if RECORDS in names:
            for number, raw in enumerate(archive.read(RECORDS).splitlines(), start=1):
                records += 1
                problems += _check_line(number, raw)
    return not problems, len(listed), records, problems


def _check_line(number: int, raw: bytes) -> list[str]:
    try:
        line = json.loads(raw)
        entry = line["ledger"]
        where = f"records.jsonl line {number} ({line['entity_type']} {line['entity_id']})"
    except (ValueError, KeyError, TypeError):
        return [f"records.jsonl line {number}: unreadable"]
    if entry is None:
        return [f"{where}: no ledger entry"]
    problems = []
    if digest(line["content"]) != entry["digest"]:
        problems.append(f"{where}: content differs from its ledger digest")
    recomputed = ledger.entry_hash(
        seq=entry["seq"],
        at=datetime.fromisoformat(entry["at"].replace("Z", "+00:00")),
        actor=entry["actor"],
        action=entry["action"],
        entity_type=line["entity_type"],
        entity_id=line["entity_id"],
        digest=entry["digest"],
        prev_hash=entry["prev_hash"],
    )
    if recomputed != entry["hash"]:
        problems.append(f"{where}: ledger entry {entry['seq']} was altered")
    return problems
