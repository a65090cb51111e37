"""`POST /api/v1/calls/batch`: up to 1,000 calls in one request, each answered on its own.

A batch is never all-or-nothing: each item is validated alone (a bad item is its own 422, naming
its fields as a single post would), and the good ones go through the same group commit as single
posts (`group_commit`), so one item the database refuses is refused alone too. Each item is
idempotent: by its own `idempotency_key`, else its `external_call_id`, else its content, so a
dialer that sends a batch again, whole or in part, gets 200 for what was already recorded.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from callkeep.errors import CallkeepError, FieldProblem, InvalidInput, PayloadTooLarge
from callkeep.records.calls import group_commit
from callkeep.records.calls.batch_schemas import (
    MAX_CALL_BATCH,
    CallBatchIn,
    CallBatchItem,
    CallBatchOut,
    CallBatchResult,
    FieldError,
    ItemError,
)
from callkeep.records.schemas import CallOut

log = logging.getLogger(__name__)

OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": CallBatchIn.model_json_schema(ref_template="#/components/schemas/{model}")
            }
        },
    },
}


async def posted_items(request: Request) -> list[Any]:
    """The batch's items, not yet validated; 422 if the body is not ``{"calls": [...]}``, 413
    past 1,000 items."""
    try:
        document = json.loads(await request.body())
    except ValueError:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body", 0), "msg": "JSON decode error"}]
        ) from None
    items = document.get("calls") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body", "calls"), "msg": "a list of calls is required"}]
        )
    if len(items) > MAX_CALL_BATCH:
        raise PayloadTooLarge(
            f"a batch holds at most {MAX_CALL_BATCH} calls; this one has {len(items)}"
        )
    return items


def _item(raw: Any) -> CallBatchItem | InvalidInput:
    try:
        return CallBatchItem.model_validate(raw)
    except ValidationError as exc:
        problems = [
            FieldProblem(".".join(str(p) for p in e["loc"]) or "body", e["msg"])
            for e in exc.errors(include_url=False)
        ]
        return InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), fields=problems)


async def write_batch(
    request: Request,
    *,
    actor: str,
    client: str,
    items: list[Any],
    seller_of: Callable[[str | None], str | None] | None = None,
) -> CallBatchOut:
    """Records each valid item (or finds its earlier record) and answers every item in order.

    `seller_of` gives the seller an item is recorded for (a seller-scoped token's), or refuses
    that one item."""
    checked = [_held(_item(raw), seller_of) for raw in items]

    async def one(item: CallBatchItem) -> tuple[CallOut, bool]:
        key = item.idempotency_key or None
        return await group_commit.write_call(
            request,
            actor=actor,
            client=client,
            call_in=item,
            idempotency_key=key,
            by_content=key is None and not item.external_call_id,
        )

    writes = [one(item) for item in checked if isinstance(item, CallBatchItem)]
    written = iter(await asyncio.gather(*writes, return_exceptions=True))
    results = [
        _result(i, item if isinstance(item, CallkeepError) else next(written))
        for i, item in enumerate(checked)
    ]
    return CallBatchOut(
        results=results,
        created=sum(1 for r in results if r.status == 201),
        repeated=sum(1 for r in results if r.status == 200),
        refused=sum(1 for r in results if r.status >= 400),
    )


def _held(
    item: CallBatchItem | InvalidInput, seller_of: Callable[[str | None], str | None] | None
) -> CallBatchItem | CallkeepError:
    if seller_of is None or not isinstance(item, CallBatchItem):
        return item
    try:
        item.seller = seller_of(item.seller)
    except CallkeepError as refused:
        return refused
    return item


def _result(index: int, outcome: tuple[CallOut, bool] | BaseException) -> CallBatchResult:
    if isinstance(outcome, tuple):
        call, created = outcome
        return CallBatchResult(index=index, status=201 if created else 200, call=call)
    if isinstance(outcome, CallkeepError):
        fields = [FieldError(field=f.field, message=f.message) for f in outcome.fields]
        error = ItemError(code=outcome.code, message=outcome.message, fields=fields)
        return CallBatchResult(index=index, status=outcome.status_code, error=error)
    if not isinstance(outcome, Exception):  # cancelled: the server is stopping
        raise outcome
    log.error("a call of a batch could not be written", exc_info=outcome)
    error = ItemError(
        code="internal_error", message="this call could not be written; send it again"
    )
    return CallBatchResult(index=index, status=500, error=error)
