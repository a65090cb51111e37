"""The canonical bytes of a record's content, which the ledger digests."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from callkeep.kit.clock import iso


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def canonical_bytes(content: dict[str, Any]) -> bytes:
    """Sorted-key compact JSON of `content`, with times as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return json.dumps(
        _plain(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def digest(content: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical bytes of `content`."""
    return hashlib.sha256(canonical_bytes(content)).hexdigest()
