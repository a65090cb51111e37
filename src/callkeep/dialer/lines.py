"""What every dialer file reader yields, a line at a time, and the outcomes' meanings.

A line is a call (`FileCall`: the fields it holds, and what identifies it), a problem naming the
line, or a skip (a dialer's bookkeeping row that is no call). Dispositions are data:
`dispositions.toml` beside this module, from each dialer's own list of outcomes.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

DISPOSITIONS = frozenset(
    {"answered_person", "answering_machine", "no_answer", "busy", "dropped", "transferred"}
)


@dataclass(frozen=True, slots=True)
class FileCall:
    """A call as its line holds it: `fields` are CallIn fields, `external_id` identifies the
    line so that importing it again adds nothing."""

    line: int
    external_id: str
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class LineProblem:
    """A line that could not be read as a call, and why."""

    line: int
    message: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A line that is no call (e.g. a lead held back by the dialer's own DNC list)."""

    line: int
    reason: str


Read = FileCall | LineProblem | Skipped


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    text = resources.files("callkeep.dialer").joinpath("dispositions.toml").read_text("utf-8")
    return tomllib.loads(text)


def disposition_table(kind: str) -> dict[str, str]:
    """The dialer's outcome → callkeep disposition, from `dispositions.toml`."""
    found: dict[str, str] = _table()[kind]
    return found


def not_calls(kind: str) -> frozenset[str]:
    """Statuses of `kind` that are no call (skipped, counted)."""
    return frozenset(_table()["not_calls"].get(kind, ()))


def digest_of(values: Iterable[str]) -> str:
    """A short digest of a line's fields: its identity when it has no id of its own."""
    return hashlib.sha256("\x1f".join(values).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def is_blank(row: list[str]) -> bool:
    """A row of nothing but blanks (skipped, not counted)."""
    return not row or all(not value.strip() for value in row)


def whole_seconds(text: str, what: str) -> int:
    """A count of seconds as the file writes it; ValueError naming `what` otherwise."""
    value = text.strip()
    if not value.isdigit():
        raise ValueError(f"{what} {text!r} is not a whole number of seconds")
    return int(value)
