"""How a rule is shown to people: one line per rule, with its citation and confidence."""

from __future__ import annotations

from pydantic import BaseModel


class RuleEntry(BaseModel):
    state: str  # "US" for the federal rule
    kind: str  # "hours", "frequency_cap", "automated_dialing"
    rule: str
    citation: str
    confidence: str
    note: str = ""
