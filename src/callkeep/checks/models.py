"""Decisions and scrub runs, kept as evidence of why each call was allowed or blocked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callkeep.kit.db import UTCDateTime
from callkeep.ledger.models import Recorded


class Decision(Recorded):
    """One pre-call decision, with everything needed to show later why it came out as it did.

    `reasons`, `local_times`, `lists` and `exemptions` hold compact JSON text.
    """

    __tablename__ = "check_decisions"
    __table_args__ = (
        Index("ix_check_decisions_phone_at", "phone", "at"),
        Index("ix_check_decisions_seller_at", "seller_id", "at"),
    )

    input: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    seller_id: Mapped[str] = mapped_column(String(40))
    seller_slug: Mapped[str] = mapped_column(String(100))
    campaign_id: Mapped[str | None] = mapped_column(String(40))
    campaign_slug: Mapped[str | None] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    allowed: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[str] = mapped_column(Text)
    states: Mapped[str] = mapped_column(String(200))
    local_times: Mapped[str] = mapped_column(Text)
    lists: Mapped[str] = mapped_column(Text)
    exemptions: Mapped[str] = mapped_column(String(200))
    rules_version: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[str | None] = mapped_column(String(26))


class ScrubRun(Recorded):
    """One bulk scrub of a lead file: what went in, what came out, and the counts."""

    __tablename__ = "check_scrub_runs"

    input_name: Mapped[str] = mapped_column(String(300))
    input_sha256: Mapped[str] = mapped_column(String(64))
    output_sha256: Mapped[str] = mapped_column(String(64))
    phone_column: Mapped[str] = mapped_column(String(200))
    rows: Mapped[int] = mapped_column(Integer)
    allowed: Mapped[int] = mapped_column(Integer)
    blocked: Mapped[int] = mapped_column(Integer)
    invalid: Mapped[int] = mapped_column(Integer)
    reason_counts: Mapped[str] = mapped_column(Text)
    lists: Mapped[str] = mapped_column(Text)
    rules_version: Mapped[str] = mapped_column(String(64))
    seller_id: Mapped[str] = mapped_column(String(40))
    seller_slug: Mapped[str] = mapped_column(String(100))
    campaign_id: Mapped[str | None] = mapped_column(String(40))
    campaign_slug: Mapped[str | None] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
