"""Plumbing the public pages keep in the database (not evidence)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callkeep.kit.db import Base, UTCDateTime


class PublicRateCounter(Base):
    """How often one client used one public action in the current hour.

    The client is stored as a keyed digest of its address, never the address itself.
    """

    __tablename__ = "public_rate_counters"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer)
