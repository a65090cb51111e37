"""What reports keep: each package made, first findings, safe-harbor evidence, holds, purges."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callkeep.kit.db import UTCDateTime
from callkeep.ledger.models import Recorded


class ExportRecord(Recorded):
    """Who produced which package, with which filters, and its SHA-256."""

    __tablename__ = "export_records"

    filters: Mapped[str] = mapped_column(Text)  # canonical JSON of the filters
    records: Mapped[int] = mapped_column(Integer)
    package_sha256: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(400))


class RecordFinding(Recorded):
    """The first time a compliance report found a call record incomplete, and what it lacked.

    16 CFR 310.5(d)(4): an incomplete record is excused only if corrected within 30 days of its
    discovery, so the discovery itself is kept as evidence, once per record.
    """

    __tablename__ = "report_record_findings"

    call_id: Mapped[str] = mapped_column(String(26), unique=True)
    missing: Mapped[str] = mapped_column(String(400))  # JSON list of field names
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Procedure(Recorded):
    """One version of a written compliance procedure (16 CFR 310.4(b)(3)(i), 310.5(d)(1))."""

    __tablename__ = "safe_harbor_procedures"
    __table_args__ = (UniqueConstraint("slug", "version", name="uq_safe_harbor_procedures"),)

    slug: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Training(Recorded):
    """A person trained in one version of a procedure (16 CFR 310.4(b)(3)(ii), 310.5(d)(2))."""

    __tablename__ = "safe_harbor_trainings"

    procedure_id: Mapped[str] = mapped_column(String(26), index=True)
    employee_id: Mapped[str | None] = mapped_column(String(26), nullable=True, index=True)
    trainee: Mapped[str] = mapped_column(String(200))  # a name, or an assisting entity
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime)
    trainer: Mapped[str | None] = mapped_column(String(200), nullable=True)


class ServiceContract(Recorded):
    """A contract with a service provider that delivers outbound calls (16 CFR 310.5(a)(9))."""

    __tablename__ = "service_contracts"

    seller_id: Mapped[str] = mapped_column(String(26), index=True)
    provider: Mapped[str] = mapped_column(String(200))
    goods: Mapped[str] = mapped_column(String(400))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    document: Mapped[str | None] = mapped_column(Text, nullable=True)


class LegalHold(Recorded):
    """A legal hold: records of a seller, a number or a campaign are kept past retention."""

    __tablename__ = "legal_holds"

    scope: Mapped[str] = mapped_column(String(20))  # seller | phone | campaign
    value: Mapped[str] = mapped_column(String(80), index=True)  # seller/campaign id, or E.164
    reason: Mapped[str] = mapped_column(Text)


class LegalHoldRelease(Recorded):
    """The end of a legal hold; the hold itself is never changed."""

    __tablename__ = "legal_hold_releases"

    hold_id: Mapped[str] = mapped_column(String(26), unique=True)


class RetentionRun(Recorded):
    """One applied retention run: when, as of which moment, and what it purged per type."""

    __tablename__ = "retention_runs"

    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    purged: Mapped[str] = mapped_column(Text)  # JSON object: record type -> count
    held: Mapped[str] = mapped_column(Text)  # JSON object: record type -> count kept by holds
