"""What `audit verify` reports."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

ProblemKind = Literal[
    "chain_broken",
    "record_altered",
    "record_inserted",
    "record_deleted",
    "ciphertext_altered",
    "checkpoint_mismatch",
    "checkpoint_unsigned",
]


class Problem(BaseModel):
    kind: ProblemKind
    entity_type: str | None = None
    entity_id: str | None = None
    seq: int | None = None
    message: str


class CheckpointOut(BaseModel):
    """A signed checkpoint: the ledger's size and tree hash, and the signed note that says so."""

    origin: str
    size: int
    root_hash: str = Field(
        description="base64 RFC 6962 Merkle tree hash of the first `size` entries"
    )
    made_at: str
    note: str = Field(description="the C2SP signed note: what `audit verify --checkpoint` reads")


class CheckpointCheck(BaseModel):
    """What proving one checkpoint against the ledger found."""

    source: str
    origin: str
    size: int
    root_hash: str
    signed: bool = Field(description="signed by this installation's checkpoint key")
    present: bool = Field(description="the ledger still holds at least `size` entries")
    matches: bool = Field(description="the tree hash of the first `size` entries is the signed one")
    intact: bool


class VerifyReport(BaseModel):
    intact: bool
    entries: int
    records: int
    head_seq: int
    head_hash: str
    problems: list[Problem]
    checkpoints: list[CheckpointCheck] = Field(default_factory=list)
