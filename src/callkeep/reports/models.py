"""The record of each production package made: an export is itself evidence."""

from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callkeep.ledger.models import Recorded


class ExportRecord(Recorded):
    """Who produced which package, with which filters, and its SHA-256."""

    __tablename__ = "export_records"

    filters: Mapped[str] = mapped_column(Text)  # canonical JSON of the filters
    records: Mapped[int] = mapped_column(Integer)
    package_sha256: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(400))
