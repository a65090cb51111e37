"""Group commit for `POST /api/v1/calls`: the calls of concurrent requests in one transaction.

A dialer posts every call it makes. Written alone, each call pays for a transaction of its own:
the writer's turn, the ledger head, and above all the commit, which costs more than everything
else the call needs. Under load, several posts are parsed in the same turn of the event loop;
`CallWriter` writes all of them in one transaction through `write_inline`, and each request
answers only once the commit holding its call is done, so a 201 always means "stored". With one
request at a time a group is that one request: nothing waits for company.

Each call is checked (`prepare_call`, which writes nothing) before it is written, so one call
refused for bad input is answered with its own error while the others of its group are stored.
A failure while writing (the database's, not the input's) fails the whole group, and nothing of
it is stored.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.orm import Session

from callkeep.errors import CallkeepError
from callkeep.kit.http import write_inline
from callkeep.records import calls
from callkeep.records.directory import directory
from callkeep.records.schemas import CallIn, CallOut

_MOST_PER_GROUP = 64  # bounds how long one transaction holds the writer

Outcome = tuple[CallOut, bool] | CallkeepError


@dataclass
class _Post:
    actor: str
    call_in: CallIn
    idempotency_key: str | None
    answer: asyncio.Future[tuple[CallOut, bool]]


class CallWriter:
    """Writes the posted calls of one event loop in groups; see the module's docstring."""

    def __init__(self) -> None:
        self._waiting: list[_Post] = []
        self._flusher: asyncio.Task[None] | None = None

    async def write(
        self, request: Request, *, actor: str, call_in: CallIn, idempotency_key: str | None
    ) -> tuple[CallOut, bool]:
        """Records the call (or finds the first record of a retry) as `calls.write_call` does;
        returns its view and whether this request wrote it, once that is committed."""
        loop = asyncio.get_running_loop()
        post = _Post(actor, call_in, idempotency_key, loop.create_future())
        self._waiting.append(post)
        if self._flusher is None:
            self._flusher = loop.create_task(self._flush(request))
        return await post.answer

    async def _flush(self, request: Request) -> None:
        group: list[_Post] = []
        try:
            await asyncio.sleep(0)  # let the posts already read in this turn join the group
            while self._waiting:
                group = self._waiting[:_MOST_PER_GROUP]
                del self._waiting[:_MOST_PER_GROUP]
                try:
                    outcomes = await write_inline(request, functools.partial(_write, group=group))
                except Exception as exc:  # the database failed the group: every post hears it
                    for post in group:
                        if not post.answer.done():
                            post.answer.set_exception(exc)
                    continue
                for post, outcome in zip(group, outcomes, strict=True):
                    if post.answer.done():  # the client went away
                        continue
                    if isinstance(outcome, CallkeepError):
                        post.answer.set_exception(outcome)
                    else:
                        post.answer.set_result(outcome)
        finally:
            self._flusher = None
            # Cancelled (the server stops): no post may wait for an answer that will not come.
            for post in (*group, *self._waiting):
                if not post.answer.done():
                    post.answer.cancel()
            self._waiting.clear()


def _write(session: Session, *, group: list[_Post]) -> list[Outcome]:
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
        accepted.append(calls.PreparedCall(post.actor, row, post.idempotency_key))
    written = iter(calls.write_prepared_calls(session=session, calls=accepted))
    return [
        outcome if outcome is not None else _answer(session, next(written)) for outcome in outcomes
    ]


def _answer(session: Session, written: calls.WrittenCall) -> tuple[CallOut, bool]:
    return calls.written_out(session=session, written=written), written.created


def call_writer(request: Request) -> CallWriter:
    """The app's writer for the running event loop (a group never spans two loops or apps)."""
    state = request.app.state
    writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CallWriter] | None = getattr(
        state, "call_writers", None
    )
    if writers is None:
        writers = state.call_writers = weakref.WeakKeyDictionary()
    loop = asyncio.get_running_loop()
    writer = writers.get(loop)
    if writer is None:
        writer = writers[loop] = CallWriter()
    return writer
