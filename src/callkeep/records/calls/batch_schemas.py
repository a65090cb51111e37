"""What `POST /api/v1/calls/batch` reads and answers."""

from __future__ import annotations

from pydantic import BaseModel, Field

from callkeep.records.schemas import CallIn, CallOut

MAX_CALL_BATCH = 1000


class CallBatchItem(CallIn):
    """One call of a batch, with its own idempotency key if the dialer gives one."""

    idempotency_key: str | None = Field(
        default=None,
        max_length=200,
        description="a retry with the same key gets the first record back (200); without a "
        "key or an external_call_id, the call's content identifies it",
    )


class CallBatchIn(BaseModel):
    """Up to 1,000 calls, each recorded, repeated or refused on its own."""

    calls: list[CallBatchItem] = Field(max_length=MAX_CALL_BATCH)


class FieldError(BaseModel):
    field: str
    message: str


class ItemError(BaseModel):
    code: str
    message: str
    fields: list[FieldError] = Field(default_factory=list)


class CallBatchResult(BaseModel):
    """What became of one call of a batch: 201 recorded, 200 a repeat of an earlier record
    (`call` is that record), or its refusal (422, 409) with its own error."""

    index: int
    status: int
    call: CallOut | None = None
    error: ItemError | None = None


class CallBatchOut(BaseModel):
    results: list[CallBatchResult]
    created: int
    repeated: int
    refused: int
