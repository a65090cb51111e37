"""The canonical bytes of a record's content, which the ledger digests.

The canonical form is sorted-key compact JSON in UTF-8, exactly as Python's own encoder writes it
(``sort_keys=True, separators=(",", ":"), ensure_ascii=False``), with instants as
``YYYY-MM-DDTHH:MM:SSZ``. Every digest in every ledger ever written depends on those bytes, so they
never change. Writing them is on the hot path of every write, though, and Python's encoder sorts
keys and calls back for each instant in Python; orjson writes the same bytes ten times faster for
the values callkeep stores (text, integers, booleans, null, instants, dates, nested lists and
objects). Content holding anything else (floats, decimals, bytes, sets, very large integers,
text that is not valid Unicode) goes through Python's encoder as before.

This module is the one writer of canonical bytes. A path that needs them faster for objects of one
shape (the ledger's hash chain, `ledger.chain.Chain`) writes them with `ObjectWriter`, whose
members are written by `member_value` here, and falls back to `canonical_bytes`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import orjson

from callkeep.kit.clock import iso

_encoder = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=lambda v: _plain(v)
)
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z | orjson.OPT_OMIT_MICROSECONDS
_SMALLEST_FAST_INT = -(2**63)  # orjson writes 64-bit integers; larger ones take the old road
_LARGEST_FAST_INT = 2**64 - 1
_PLAIN = frozenset({str, bool, int, type(None), datetime})


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


class _Unusual(Exception):
    """The content holds a value only Python's encoder writes canonically."""


def _value(value: Any) -> Any:
    """`value` in a form orjson writes exactly as the canonical encoder does; or `_Unusual`."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is int:
        if _SMALLEST_FAST_INT <= value <= _LARGEST_FAST_INT:
            return value
        raise _Unusual
    if kind is datetime:
        # orjson writes an instant in UTC as iso() does, but pads years before 1000 to four
        # digits and does not convert other zones; those are rendered by iso() itself.
        if value.tzinfo is UTC and value.year >= 1000:
            return value
        return iso(value)
    if kind is date:
        return value.isoformat()
    if kind is dict:
        return _mapping(value)
    if kind is list or kind is tuple:
        return [_value(item) for item in value]
    if isinstance(value, str):  # e.g. a StrEnum: Python's encoder writes the text itself
        return str.__str__(value)
    if isinstance(value, int) and not isinstance(value, bool):  # e.g. an IntEnum
        return _value(int(value))
    raise _Unusual


def _mapping(content: dict[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in content.items():
        if type(key) is not str:
            raise _Unusual
        out[key] = _value(value)
    return out


def canonical_bytes(content: dict[str, Any]) -> bytes:
    """Sorted-key compact JSON of `content`, with times as ``YYYY-MM-DDTHH:MM:SSZ``."""
    try:
        if _flat_and_plain(content):  # most records: no copy needed
            return orjson.dumps(content, option=_OPTIONS)
        return orjson.dumps(_mapping(content), option=_OPTIONS)
    except (_Unusual, orjson.JSONEncodeError):
        return _encoder.encode(content).encode("utf-8")


def _flat_and_plain(content: dict[str, Any]) -> bool:
    """Whether orjson writes `content` itself canonically, as far as can be told before it
    tries: values of text, boolean, null, integer or UTC instant (year 1000 on). Non-text keys
    and integers beyond 64 bits make orjson refuse, which sends the content the old road."""
    kinds = set(map(type, content.values()))
    if not kinds <= _PLAIN:
        return False
    if datetime in kinds:
        for value in content.values():
            if type(value) is datetime and (value.tzinfo is not UTC or value.year < 1000):
                return False
    return True


class Unusual(Exception):
    """A value `ObjectWriter` does not write itself; `canonical_bytes` writes it."""


def member_value(value: Any) -> bytes:
    """The canonical bytes of a text or an integer within 64 bits, as `canonical_bytes` writes
    it inside an object; `Unusual` for anything else (text that is not valid Unicode too)."""
    kind = type(value)
    if kind is str:
        try:
            return orjson.dumps(value)
        except orjson.JSONEncodeError:
            raise Unusual from None
    if kind is int and _SMALLEST_FAST_INT <= value <= _LARGEST_FAST_INT:
        return str(value).encode()
    raise Unusual


class ObjectWriter:
    """The canonical bytes of objects with the same text keys, some with a fixed value.

    The members are written in sorted key order, each value by `member_value`, the fixed ones
    once, here; `write` raises `Unusual` when a value is not one `member_value` writes, and the
    caller then takes `canonical_bytes`. `tests/ledger/test_canonical_bytes.py` proves the bytes
    equal to the frozen encoder's.
    """

    def __init__(self, keys: Iterable[str], fixed: Mapping[str, Any]) -> None:
        ordered = sorted({*keys, *fixed})
        if any(type(key) is not str for key in ordered):
            raise Unusual
        self._parts: list[tuple[bytes, str]] = []  # the bytes before a value, and its key
        pending = b"{"
        for position, key in enumerate(ordered):
            pending += (b"," if position else b"") + orjson.dumps(key) + b":"
            if key in fixed:
                pending += member_value(fixed[key])
            else:
                self._parts.append((pending, key))
                pending = b""
        self._tail = pending + b"}"

    @property
    def varying(self) -> tuple[str, ...]:
        """The keys `write_values` takes values for, in its order (sorted)."""
        return tuple(key for _before, key in self._parts)

    def write(self, values: Mapping[str, Any]) -> bytes:
        """The canonical bytes of the object of the fixed members and `values`."""
        return self.write_values([values[key] for _before, key in self._parts])

    def write_values(self, values: Sequence[Any]) -> bytes:
        """`write` of the values given in `varying`'s order (no mapping built per object)."""
        out = [
            piece
            for (before, _key), value in zip(self._parts, values, strict=True)
            for piece in (before, member_value(value))
        ]
        out.append(self._tail)
        return b"".join(out)


def digest(content: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical bytes of `content`."""
    return hashlib.sha256(canonical_bytes(content)).hexdigest()
