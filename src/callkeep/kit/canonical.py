"""The canonical bytes of a record's content, which the ledger digests."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from callkeep.kit.clock import iso

_encoder = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=lambda v: _plain(v)
)


def _plain(value: Any) -> Any:
    """The JSON form of the values JSON has no form for (called by the C encoder)."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} has no canonical form")


def canonical_bytes(content: dict[str, Any]) -> bytes:
    """Sorted-key compact JSON of `content`, with times as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return _encoder.encode(content).encode("utf-8")


def digest(content: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical bytes of `content`."""
    return hashlib.sha256(canonical_bytes(content)).hexdigest()
