"""The decision contract's shapes, and the inputs of the check and batch endpoints."""

from __future__ import annotations

from pydantic import BaseModel, Field

MAX_BATCH = 10_000


class CheckIn(BaseModel):
    """May this number be called now (or at `at`) for this seller and campaign?"""

    phone: str = Field(max_length=200)
    seller: str | None = None
    campaign: str | None = None
    at: str | None = Field(default=None, description="ISO-8601 with a zone; default now")


class BatchIn(BaseModel):
    """Many numbers, one seller, campaign and moment."""

    phones: list[str] = Field(max_length=MAX_BATCH)
    seller: str | None = None
    campaign: str | None = None
    at: str | None = None


class ReasonOut(BaseModel):
    code: str
    citation: str
    message: str


class LocalTimeOut(BaseModel):
    zone: str
    time: str


class ListOut(BaseModel):
    list: str
    version: str | None
    hit: bool


class DecisionOut(BaseModel):
    """One decision, exactly as the contract gives it, plus what it was made for."""

    decision_id: str
    phone: str
    allowed: bool
    reasons: list[ReasonOut]
    states: list[str]
    local_times: list[LocalTimeOut]
    lists: list[ListOut]
    at: str
    seller: str
    campaign: str | None
    rules_version: str
    exemptions: list[str]
    notes: list[str] = Field(
        default_factory=list,
        description="what of the contact's address was ignored for time zones, and why",
    )


class BatchOut(BaseModel):
    decisions: list[DecisionOut]


class ScrubSummary(BaseModel):
    """What a scrub did: counts by status and by reason, and the evidence record it left."""

    scrub_id: str
    rows: int
    allowed: int
    blocked: int
    invalid: int
    reasons: dict[str, int]
    phone_column: str
    input_sha256: str
    output_sha256: str
    rules_version: str
    lists: list[ListOut]
    file_format: str = "csv"  # csv, vicidial or xlsx: how the file was read
