"""Regulator production packages (v2): the records asked for, proven against the ledger.

A package is a zip a regulator can check without callkeep and without any key:

* one CSV per record type (the records as they were written; corrections are in
  ``amendments.csv``), each with its header row even when empty, safe to open in a spreadsheet;
* ``records.jsonl``: per record, its canonical content, its ledger entry and an RFC 6962
  inclusion proof of that entry in the ledger's Merkle tree at export time;
* ``checkpoint.json``: the ledger's size and Merkle tree hash when the package was made;
* ``manifest.json``: the filters, counts and the SHA-256 of every file;
* ``README.txt`` describing every file and field, and ``verify.py`` (standard library only).

Records stream in chunks, ``records.jsonl`` straight into the zip (deflated on a second
thread, `package_zip`) and the CSVs to temporary files (mode 0600) zipped from there, so a
period of millions of calls never sits in memory; the package itself is written with mode 0600.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from callkeep import __version__
from callkeep.checks.models import Decision
from callkeep.errors import InvalidInput
from callkeep.kit.canonical import canonical_bytes
from callkeep.kit.clock import iso, utcnow
from callkeep.ledger import service as ledger
from callkeep.ledger.models import LedgerEntry
from callkeep.ledger.notes import Signer, checkpoint_text
from callkeep.ledger.proof_blocks import LedgerProofs
from callkeep.lists.models import ListVersion
from callkeep.phone.parse import normalize
from callkeep.records import service as records
from callkeep.reports import package_verify, readme
from callkeep.reports.models import ExportRecord, Procedure, ServiceContract, Training
from callkeep.reports.package_writer import PackageWriter
from callkeep.reports.package_zip import ZipEntrySink
from callkeep.reports.schemas import ExportFilters
from callkeep.reports.sections import Scope
from callkeep.requests.models import DncRequest

MANIFEST = package_verify.MANIFEST
RECORDS = package_verify.RECORDS
CHECKPOINT = package_verify.CHECKPOINT
DEFLATE = 1  # zlib level of the zip: see bench/README.md


def _scope(session: Session, filters: ExportFilters) -> Scope:
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
        seller_id = records.resolve_seller(session=session, ref=filters.seller).id
    if filters.campaign:
        if seller_id is None:
            seller_id = records.resolve_seller(session=session, ref=None).id
        campaign_id = records.resolve_campaign(
            session=session, ref=filters.campaign, seller_id=seller_id
        ).id
    phone = normalize(filters.phone, field="phone") if filters.phone else None
    return Scope(start, end, seller_id, campaign_id, phone)


def _in_range(query: Select[Any], column: Any, scope: Scope) -> Select[Any]:
    if scope.start is not None:
        query = query.where(column >= scope.start)
    if scope.end is not None:
        query = query.where(column < scope.end)
    return query


def _calls_query(scope: Scope) -> Select[Any]:
    query = _in_range(
        select(records.Call),
        func.coalesce(records.Call.started_at, records.Call.recorded_at),
        scope,
    )
    if scope.seller_id:
        query = query.where(records.Call.seller_id == scope.seller_id)
    if scope.campaign_id:
        query = query.where(records.Call.campaign_id == scope.campaign_id)
    if scope.phone:
        query = query.where(
            or_(
                records.Call.called_number == scope.phone,
                records.Call.calling_number == scope.phone,
            )
        )
    return query.order_by(records.Call.started_at, records.Call.id)


def _by_seller_phone(model: Any, at_column: Any, scope: Scope) -> Select[Any]:
    query = _in_range(select(model), at_column, scope)
    if scope.seller_id:
        query = query.where(model.seller_id == scope.seller_id)
    if scope.phone:
        query = query.where(model.phone == scope.phone)
    return query.order_by(at_column, model.id)


def _by_ids(model: Any, ids: set[str]) -> list[Select[Any]]:
    ordered = sorted(ids)
    return [
        select(model).where(model.id.in_(ordered[i : i + 500])).order_by(model.id)
        for i in range(0, len(ordered), 500)
    ]


def _write_sections(session: Session, scope: Scope, writer: PackageWriter) -> None:
    """Every section, calls first; what the calls name is gathered as they stream past."""
    campaigns: set[str] = set()
    employees: set[str] = set()
    documents: set[str] = set()
    sellers: set[str] = {scope.seller_id} if scope.seller_id else set()
    for calls in writer.stream(session, "calls", records.Call, _calls_query(scope), remember=False):
        sellers.update(calls.values("seller_id"))
        campaigns.update(calls.values("campaign_id"))
        employees.update(calls.values("employee_id"))
        documents.update(calls.values("script_version_id"))
        documents.update(calls.values("message_version_id"))
    for ids in (campaigns, employees, documents):
        ids.discard(None)
    ebr: set[tuple[str, str]] = set()

    def decisions(query: Select[Any]) -> None:
        for rows in writer.stream(session, "decisions", Decision, query, remember=False):
            exemptions = rows.values("exemptions")
            if "ebr_" not in "\x00".join(map(str, exemptions)):
                continue  # no established business relationship relied on in this chunk
            for seller_id, phone, relied in zip(
                rows.values("seller_id"), rows.values("phone"), exemptions, strict=True
            ):
                if phone and ("ebr_purchase" in relied or "ebr_inquiry" in relied):
                    ebr.add((seller_id, phone))

    # The decisions the calls name, and with a number, every decision about it in the period:
    # one query in the order they were made (so in about the ledger's order), no ids held.
    named: ColumnElement[bool] = Decision.id.in_(
        _calls_query(scope).with_only_columns(records.Call.decision_id).order_by(None)
    )
    if scope.phone:
        about = _in_range(select(Decision.id), Decision.at, scope).where(
            Decision.phone == scope.phone
        )
        if scope.seller_id:
            about = about.where(Decision.seller_id == scope.seller_id)
        named = or_(named, Decision.id.in_(about))
    decisions(select(Decision).where(named).order_by(Decision.at, Decision.id))
    writer.done("decisions", Decision)
    writer.write_all(
        session,
        "dnc_requests",
        DncRequest,
        [_by_seller_phone(DncRequest, DncRequest.received_at, scope)],
    )
    writer.write_all(
        session,
        "consents",
        records.Consent,
        [_by_seller_phone(records.Consent, records.Consent.recorded_at, scope)],
    )
    writer.write_all(
        session,
        "consent_revocations",
        records.ConsentRevocation,
        [_by_seller_phone(records.ConsentRevocation, records.ConsentRevocation.recorded_at, scope)],
    )
    # The purchases and inquiries behind each established business relationship relied on.
    phones = sorted({phone for _, phone in ebr})
    ebr_queries: dict[str, list[Select[Any]]] = {"purchases": [], "inquiries": []}
    for i in range(0, len(phones), 500):
        part = phones[i : i + 500]
        for name, model in (("purchases", records.Purchase), ("inquiries", records.Inquiry)):
            query = select(model).where(model.phone.in_(part))
            if sellers:
                query = query.where(model.seller_id.in_(sorted(sellers)))
            ebr_queries[name].append(query.order_by(model.id))
    writer.write_all(session, "purchases", records.Purchase, ebr_queries["purchases"])
    writer.write_all(session, "inquiries", records.Inquiry, ebr_queries["inquiries"])
    writer.write_all(session, "sellers", records.Seller, _by_ids(records.Seller, sellers))
    writer.write_all(session, "campaigns", records.Campaign, _by_ids(records.Campaign, campaigns))
    writer.write_all(session, "employees", records.Employee, _by_ids(records.Employee, employees))
    writer.write_all(
        session,
        "employee_fictitious_names",
        records.FictitiousName,
        [
            select(records.FictitiousName)
            .where(records.FictitiousName.employee_id.in_(part))
            .order_by(records.FictitiousName.id)
            for part in _parts(employees)
        ],
    )
    writer.write_all(
        session,
        "campaign_documents",
        records.CampaignDocument,
        _by_ids(records.CampaignDocument, documents),
    )
    contracts = select(ServiceContract).order_by(ServiceContract.signed_at, ServiceContract.id)
    if sellers:
        contracts = contracts.where(ServiceContract.seller_id.in_(sorted(sellers)))
    writer.write_all(session, "service_contracts", ServiceContract, [contracts])
    writer.write_all(
        session,
        "procedures",
        Procedure,
        [select(Procedure).order_by(Procedure.slug, Procedure.version)],
    )
    writer.write_all(
        session,
        "trainings",
        Training,
        [select(Training).order_by(Training.trained_at, Training.id)],
    )
    writer.write_all(
        session,
        "list_versions",
        ListVersion,
        [select(ListVersion).order_by(ListVersion.recorded_at, ListVersion.id)],
    )
    # The corrections of every record written: of the calls and decisions (millions, perhaps)
    # by the same selections as a subquery, of the others by their ids.
    amendment = records.Amendment
    many = {
        records.Call.__tablename__: _calls_query(scope)
        .with_only_columns(records.Call.id)
        .order_by(None),
        Decision.__tablename__: select(Decision.id).where(named),
    }
    targets = {**writer.written_ids(), **{table: set[str]() for table in many}}
    queries = [
        select(amendment)
        .where(amendment.target_type == target_type, amendment.target_id.in_(part))
        .order_by(amendment.recorded_at, amendment.id)
        for target_type, ids in sorted(targets.items())
        for part in ([many[target_type]] if target_type in many else _parts(ids))
    ]
    writer.write_all(session, "amendments", records.Amendment, queries)


def _parts(ids: set[str]) -> list[list[str]]:
    ordered = sorted(ids)
    return [ordered[i : i + 500] for i in range(0, len(ordered), 500)]


def _write_package(
    session: Session,
    scope: Scope,
    filters: ExportFilters,
    signer: Signer,
    archive: zipfile.ZipFile,
    folder: str,
) -> tuple[PackageWriter, dict[str, Any]]:
    """Every file of the package into `archive`: ``records.jsonl`` first, deflated as it is
    made, the other files from `folder` once written, the manifest last."""
    proofs = LedgerProofs(session, Path(folder) / "tree-levels")
    size, root = proofs.size, proofs.root
    records_into = ZipEntrySink(archive, RECORDS, DEFLATE)
    try:
        writer = PackageWriter(Path(folder), proofs, records_into=records_into)
        _write_sections(session, scope, writer)
        writer.close()
    except BaseException:
        records_into.abort()
        raise
    finally:
        proofs.close()
    checkpoint = {
        "origin": "callkeep ledger",
        "size": size,
        "root": root.hex(),
        "head_hash": None
        if not size
        else session.scalar(select(LedgerEntry.hash).where(LedgerEntry.seq == size)),
        "made_at": iso(utcnow()),
        "how": "RFC 6962 Merkle tree hash over the ledger entries' hashes (32 bytes each), "
        "in sequence order; leaf index = seq - 1",
        "key": signer.verifier.vkey,
        "signed_note": package_verify.NOTE,
    }
    writer.add_file(CHECKPOINT, json.dumps(checkpoint, indent=2, sort_keys=True).encode())
    note = signer.sign(checkpoint_text(origin=signer.name, size=size, root_hash=root))
    writer.add_file(package_verify.NOTE, note.encode())
    writer.add_file("README.txt", readme.text(writer.columns, writer.counts).encode())
    writer.add_file("verify.py", Path(package_verify.__file__).read_bytes())
    manifest = {
        "package_version": 2,
        "callkeep_version": __version__,
        "created_at": iso(utcnow()),
        "filters": filters.model_dump(mode="json"),
        "counts": writer.counts,
        "records": writer.records,
        "checkpoint": {"size": size, "root": root.hex(), "key": signer.verifier.vkey},
        "files": dict(sorted(writer.hashes.items())),
        "how_to_verify": "python3 verify.py (in the unpacked folder) or python3 verify.py "
        "PACKAGE.zip; see README.txt",
    }
    for name, path in writer.files.items():
        archive.write(path, name)
    archive.writestr(MANIFEST, package_verify.manifest_bytes(manifest))
    return writer, manifest


def build(
    *, session: Session, actor: str, filters: ExportFilters, out: Path, signer: Signer
) -> tuple[ExportRecord, dict[str, Any]]:
    """Writes the production package for `filters` to `out` (mode 0600) and records it, with
    the ledger's checkpoint at that moment signed by `signer` (the checkpoint key)."""
    scope = _scope(session, filters)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="callkeep-package-", dir=out.parent) as folder:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        try:
            with (
                os.fdopen(fd, "wb") as raw,
                zipfile.ZipFile(
                    raw, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=DEFLATE
                ) as archive,
            ):
                writer, manifest = _write_package(session, scope, filters, signer, archive, folder)
            package_sha = hashlib.sha256()
            with partial.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    package_sha.update(block)
                os.fsync(handle.fileno())
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        os.replace(partial, out)
    record = ledger.record(
        session=session,
        actor=actor,
        entity=ExportRecord(
            filters=canonical_bytes(filters.model_dump(mode="json")).decode(),
            records=writer.records,
            package_sha256=package_sha.hexdigest(),
            file_name=out.name,
            recorded_by=actor,
        ),
    )
    return record, manifest


def check(
    *, path: Path, public_key: str | None = None, newer: str | None = None
) -> tuple[bool, int, int, list[str]]:
    """Recomputes every hash of a package and checks its signed checkpoint, exactly as its own
    `verify.py` does (against the pinned `public_key`, and a `newer` checkpoint with its
    consistency proof if given): (intact, files, records, problems)."""
    if not path.exists():
        raise InvalidInput.for_field("file", f"{path} does not exist")
    found = package_verify.verify(path, public_key=public_key, newer=newer)
    return found["intact"], found["files"], found["records"], found["problems"]
