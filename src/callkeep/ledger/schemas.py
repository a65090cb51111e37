"""What `audit verify` reports."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

ProblemKind = Literal[
    "chain_broken", "record_altered", "record_inserted", "record_deleted", "ciphertext_altered"
]


class Problem(BaseModel):
    kind: ProblemKind
    entity_type: str | None = None
    entity_id: str | None = None
    seq: int | None = None
    message: str


class VerifyReport(BaseModel):
    intact: bool
    entries: int
    records: int
    head_seq: int
    head_hash: str
    problems: list[Problem]
