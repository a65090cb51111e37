"""Group commit for `POST /api/v1/calls`: the calls of concurrent requests in one transaction.

See `callkeep.kit.batches`. Each call is checked (`prepare_call`, which writes nothing) before
any is written, so one call refused for bad input, or for a key it reuses, is answered with its
own error while the others of its group are stored; should the database still refuse one, the
group commit writes the others again without it.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.orm import Session

from callkeep.errors import CallkeepError
from callkeep.kit.batches import GroupCommit, for_this_loop
from callkeep.kit.http import runtime
from callkeep.records.calls import service as calls
from callkeep.records.parties.directory import directory
from callkeep.records.schemas import CallIn, CallOut

Outcome = tuple[CallOut, bool] | CallkeepError


@dataclass(frozen=True)
class _Post:
    actor: str
    client: str
    call_in: CallIn
    idempotency_key: str | None
    by_content: bool = False


async def write_call(
    request: Request,
    *,
    actor: str,
    client: str,
    call_in: CallIn,
    idempotency_key: str | None,
    by_content: bool = False,
) -> tuple[CallOut, bool]:
    """Records the call (or finds the first record of a retry) as `calls.write_call` does,
    together with the calls posted at the same moment; returns its view and whether this
    request wrote it, once that is committed. `client` owns the key (`kit.idempotency`);
    `by_content`: without a key, the call's content is its key (a batch item)."""
    writer: GroupCommit[_Post, tuple[CallOut, bool]] = for_this_loop(
        request.app.state, "call_writers", lambda: GroupCommit(runtime(request).db, _write)
    )
    return await writer.submit(_Post(actor, client, call_in, idempotency_key, by_content))


def _write(session: Session, group: list[_Post]) -> list[Outcome]:
    outcomes: list[Outcome | None] = []
    accepted: list[calls.PreparedCall] = []
    parties = directory(session=session)  # the group writes calls only: it stays as read
    for post in group:
        try:
            row = calls.prepare_call(session=session, call_in=post.call_in, parties=parties)
        except CallkeepError as refusal:  # nothing of this call is written
            outcomes.append(refusal)
            continue
        outcomes.append(None)
        key = calls.content_of(row) if post.by_content else post.idempotency_key
        accepted.append(calls.PreparedCall(post.actor, row, key, post.client))
    written = iter(calls.write_prepared_calls(session=session, calls=accepted))
    return [
        outcome if outcome is not None else _answer(session, next(written)) for outcome in outcomes
    ]


def _answer(session: Session, written: calls.WrittenCall | CallkeepError) -> Outcome:
    if isinstance(written, CallkeepError):
        return written
    return calls.written_out(session=session, written=written), written.created
