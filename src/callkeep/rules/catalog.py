"""The rules catalog: the TOML files under rules/data/ read into typed entries, and their version.

Changing a state's hours is a data change: edit the TOML (with its citation and confidence), and the
rules version recorded with every decision changes with it.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
_FILES = ("hours.toml", "caps.toml", "automated.toml", "reasons.toml", "limits.toml")


@dataclass(frozen=True)
class Window:
    """Calls allowed from `start` (inclusive) to `end` (exclusive), local time."""

    start: time
    end: time

    def admits(self, moment: time) -> bool:
        """Whether a local wall-clock `moment` falls inside the window."""
        return self.start <= moment < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


# A day's rule: a window, BANNED (no calls), or None (keep the federal/day window).
BANNED = "none"
DayRule = Window | str | None


@dataclass(frozen=True)
class StateHours:
    """One state's overlay of RULES.md §4.1."""

    state: str
    weekday: DayRule
    saturday: DayRule
    sunday: DayRule
    holiday: DayRule
    holiday_calendar: str | None
    zone: str | None
    citation: str
    confidence: str
    note: str


@dataclass(frozen=True)
class FrequencyCap:
    """At most `calls` calls on one subject to one person in a rolling `hours` window."""

    state: str
    calls: int
    hours: int
    citation: str
    confidence: str


@dataclass(frozen=True)
class AutomatedDialing:
    """Limits on automated dialing (predictive or prerecorded campaigns) into a state."""

    state: str
    dialing_modes: frozenset[str]
    weekday: DayRule
    saturday: DayRule
    sunday: DayRule
    zone: str
    completed_calls: int
    hours: int
    citation: str
    confidence: str
    note: str


@dataclass(frozen=True)
class Reason:
    """A reason code with its citation and the message a user reads."""

    code: str
    citation: str
    message: str


@dataclass(frozen=True)
class Limits:
    """The periods the law fixes (rules/data/limits.toml), each group with its citation."""

    registry_days: int  # the registry version in use was obtained at most this many days ago
    safe_harbor_citation: str
    safe_harbor_confidence: str
    ebr_purchase_days: int
    ebr_inquiry_days: int
    ebr_inquiry_months: int
    ebr_citation: str
    ebr_confidence: str
    entity_list_years: int  # a seller's own DNC entry is honored at least this long
    entity_list_citation: str
    entity_list_confidence: str


@lru_cache(maxsize=1)
def limits() -> Limits:
    """The periods of limits.toml, read once per process (cheaply: no other rule file is read)."""
    data = tomllib.loads((DATA_DIR / "limits.toml").read_text(encoding="utf-8"))
    harbor, ebr, entity = data["safe_harbor"], data["ebr"], data["entity_list"]
    return Limits(
        registry_days=int(harbor["registry_days"]),
        safe_harbor_citation=harbor["citation"],
        safe_harbor_confidence=harbor["confidence"],
        ebr_purchase_days=int(ebr["purchase_days"]),
        ebr_inquiry_days=int(ebr["inquiry_days"]),
        ebr_inquiry_months=int(ebr["inquiry_months"]),
        ebr_citation=ebr["citation"],
        ebr_confidence=ebr["confidence"],
        entity_list_years=int(entity["honor_years"]),
        entity_list_citation=entity["citation"],
        entity_list_confidence=entity["confidence"],
    )


@dataclass(frozen=True)
class Catalog:
    """Every rule callkeep applies, and the version (hash) of the data they came from."""

    version: str
    federal: Window
    federal_citation: str
    federal_confidence: str
    states: dict[str, StateHours]
    caps: dict[str, FrequencyCap]
    automated: dict[str, AutomatedDialing]
    reasons: dict[str, Reason]


def parse_window(text: str) -> Window:
    """Reads ``"HH:MM-HH:MM"`` into a Window."""
    start, _, end = text.partition("-")
    return Window(time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))


def _day(value: Any) -> DayRule:
    if value is None:
        return None
    if value == BANNED:
        return BANNED
    return parse_window(str(value))


def _version() -> str:
    digest = hashlib.sha256()
    for name in _FILES:
        digest.update(name.encode() + b"\0" + (DATA_DIR / name).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """The rules, read once per process from rules/data/."""
    hours = tomllib.loads((DATA_DIR / "hours.toml").read_text(encoding="utf-8"))
    caps = tomllib.loads((DATA_DIR / "caps.toml").read_text(encoding="utf-8"))
    auto = tomllib.loads((DATA_DIR / "automated.toml").read_text(encoding="utf-8"))
    reasons = tomllib.loads((DATA_DIR / "reasons.toml").read_text(encoding="utf-8"))
    federal = hours["federal"]
    return Catalog(
        version=_version(),
        federal=parse_window(federal["window"]),
        federal_citation=federal["citation"],
        federal_confidence=federal["confidence"],
        states={
            e["state"]: StateHours(
                state=e["state"],
                weekday=_day(e.get("weekday")),
                saturday=_day(e.get("saturday")),
                sunday=_day(e.get("sunday")),
                holiday=_day(e.get("holiday")),
                holiday_calendar=e.get("holiday_calendar"),
                zone=e.get("zone"),
                citation=e["citation"],
                confidence=e["confidence"],
                note=e.get("note", ""),
            )
            for e in hours["state"]
        },
        caps={
            e["state"]: FrequencyCap(
                state=e["state"],
                calls=int(e["calls"]),
                hours=int(e["hours"]),
                citation=e["citation"],
                confidence=e["confidence"],
            )
            for e in caps["cap"]
        },
        automated={
            e["state"]: AutomatedDialing(
                state=e["state"],
                dialing_modes=frozenset(e["dialing_modes"]),
                weekday=_day(e.get("weekday")),
                saturday=_day(e.get("saturday")),
                sunday=_day(e.get("sunday")),
                zone=e["zone"],
                completed_calls=int(e["completed_calls"]),
                hours=int(e["hours"]),
                citation=e["citation"],
                confidence=e["confidence"],
                note=e.get("note", ""),
            )
            for e in auto["automated"]
        },
        reasons={
            code: Reason(code=code, citation=v["citation"], message=v["message"])
            for code, v in reasons.items()
        },
    )
