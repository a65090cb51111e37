"""What a production package's sections share: the scope of their records and a section's columns.

The writer itself is `reports/package_writer.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import inspect

from callkeep.ledger.models import Recorded
from callkeep.reports.csvsafe import TRIGGERS

_TRIGGERS = frozenset(TRIGGERS)


@dataclass(frozen=True)
class Scope:
    """Which records a package holds: a period (UTC, end excluded), seller, campaign, number."""

    start: datetime | None
    end: datetime | None
    seller_id: str | None
    campaign_id: str | None
    phone: str | None


def columns_of(model: type[Recorded]) -> list[str]:
    """A record type's fields, as its CSV's header names them."""
    return [attr.key for attr in inspect(model).column_attrs]
