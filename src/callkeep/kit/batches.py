"""Group commit: the small writes of concurrent requests done together, in one transaction.

A dialer checks every number before it dials and posts every call it makes. Written alone, each
check's decision and each call would pay for a transaction of its own: the writer's turn, the
ledger head, and above all the commit, which costs more than everything else they need. Under
load, several requests reach their write in the same turn of the event loop; a `GroupCommit`
writes all of their items in one transaction (`write_soon`), and each request answers only once
the commit holding its item is done, so an answer always means "stored". With one request at a
time, a group is that one item: nothing waits for company.

The write function checks each item before it writes any (validate first) and may refuse one
(returning an exception for it, having written nothing of it) while the others of its group are
stored. Should the transaction itself fail (the database refuses one item's row, say), nothing of
the group is stored, and the group is written again in halves, each half in a transaction of its
own, down to the one item that fails alone: that item gets its own answer (422 when the database
refused its data) and every other item is stored and answered. A group is never all-or-nothing.
Only a database too busy to take the writer's turn fails every item at once, as retrying would
only wait longer.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from callkeep.errors import CallkeepError, InvalidInput, ServiceBusy
from callkeep.kit import stages
from callkeep.kit.db import Database, WriterBusy

log = logging.getLogger(__name__)

T = TypeVar("T")
Item = TypeVar("Item")
Result = TypeVar("Result")

Write = Callable[[Session, list[Item]], Sequence[Result | Exception]]

_MOST_PER_GROUP = 64  # bounds how long one transaction holds the writer


_RETRY_FIRST = 0.0002  # seconds
_RETRY_MOST = 0.002
_RETRY_FOR = 1.0


async def write_soon(db: Database, work: Callable[[Session], T]) -> T:
    """Runs `work` in one write transaction without ever making the event loop wait on a lock.

    On SQLite, `work` runs on the event loop as soon as the writer is free: a write of a
    millisecond costs no hand-off to a worker thread and back, which would cost more than the
    write. While another thread or process holds the write lock, it tries again every few
    hundred microseconds (SQLite's own busy handler would sleep 1, 2, 5, 10... ms, and two
    server processes sharing one database would wait on each other that long). A writer busy
    for longer (an import, say) is waited for on a worker thread. PostgreSQL's waits are on the
    server, so there `work` always runs on a worker thread.
    """
    if db.writes_inline:
        loop = asyncio.get_running_loop()
        give_up = loop.time() + _RETRY_FOR
        delay = _RETRY_FIRST
        while True:
            started = False
            try:
                with db.transaction(wait=False) as session:
                    started = True
                    done = work(session)
                stages.mark("committed")
                return done
            except WriterBusy:
                if started:
                    raise
            if loop.time() > give_up:
                break
            await asyncio.sleep(delay)
            delay = min(delay * 2, _RETRY_MOST)
    return await run_in_threadpool(_write, db, work)


def _write(db: Database, work: Callable[[Session], T]) -> T:
    with db.transaction() as session:
        done = work(session)
    stages.mark("committed")
    return done


@dataclass
class _Waiting(Generic[Item, Result]):
    item: Item
    answer: asyncio.Future[Result]
    queued: int = 0  # perf_counter_ns, when probed (kit.stages)
    probe: stages.Group | None = None


class GroupCommit(Generic[Item, Result]):
    """Writes the items of one event loop's requests in groups; see the module's docstring.

    `write(session, items)` returns one outcome per item, in order: its result, or the
    exception that refuses it. A group holds at most `most` items. On SQLite one group is
    written at a time (there is one writer). On PostgreSQL up to `parallel` groups are written
    at once, each in its own transaction on its own connection: what a group reads overlaps
    with the commit of the one before it, while the appends themselves still take turns on the
    ledger's append lock; items arriving meanwhile wait for the next free writer and are grouped.
    """

    def __init__(
        self,
        db: Database,
        write: Write[Item, Result],
        *,
        most: int = _MOST_PER_GROUP,
        parallel: int = 1,
    ) -> None:
        self._db = db
        self._write = write
        self._most = most
        self._parallel = 1 if db.writes_inline else max(1, parallel)
        self._waiting: list[_Waiting[Item, Result]] = []
        self._flushers: set[asyncio.Task[None]] = set()

    async def submit(self, item: Item) -> Result:
        """Writes `item` with the others of its group; returns its outcome once committed."""
        loop = asyncio.get_running_loop()
        waiting: _Waiting[Item, Result] = _Waiting(item, loop.create_future())
        if stages.ON:
            waiting.queued = stages.now()
        self._waiting.append(waiting)
        if len(self._flushers) < self._parallel:
            self._flushers.add(loop.create_task(self._flush()))
        if not stages.ON:
            return await waiting.answer
        try:
            return await waiting.answer
        finally:
            if waiting.probe is not None:
                waiting.probe.woken.append(stages.now())
                if len(waiting.probe.woken) == waiting.probe.size:
                    waiting.probe.done()

    async def _flush(self) -> None:
        group: list[_Waiting[Item, Result]] = []
        try:
            await asyncio.sleep(0)  # let the requests already read in this turn join the group
            while self._waiting:
                group = self._waiting[: self._most]
                del self._waiting[: self._most]
                items = [w.item for w in group]
                probe = None
                if stages.ON:
                    probe = stages.Group(len(group), [w.queued for w in group])
                    for waiting in group:
                        waiting.probe = probe
                try:
                    outcomes = await self._isolated(items, probe)
                except ServiceBusy as exc:  # no writer's turn to be had: every request hears it
                    for waiting in group:
                        if not waiting.answer.done():
                            waiting.answer.set_exception(exc)
                    continue
                if probe is not None:
                    probe.mark("back")
                for waiting, outcome in zip(group, outcomes, strict=True):
                    if waiting.answer.done():  # the client went away
                        continue
                    if isinstance(outcome, Exception):
                        waiting.answer.set_exception(outcome)
                    else:
                        waiting.answer.set_result(outcome)
        except BaseException:
            # Cancelled (the server stops): no request may wait for an answer that will not come.
            for waiting in (*group, *self._waiting):
                if not waiting.answer.done():
                    waiting.answer.cancel()
            self._waiting.clear()
            raise
        finally:  # at once, not by a callback: an item submitted next must find a writer free
            self._flushers.discard(asyncio.current_task())

    async def _isolated(
        self, items: list[Item], probe: stages.Group | None = None
    ) -> Sequence[Result | Exception]:
        """One outcome per item: all of them written in one transaction if that succeeds, else
        each half written again on its own, so a failure is narrowed to the item that causes it."""
        try:
            return await write_soon(self._db, functools.partial(self._write_probed, items, probe))
        except ServiceBusy:
            raise
        except Exception as exc:
            if len(items) == 1:
                return [refusal(exc)]
        half = len(items) // 2
        return [
            *await self._isolated(items[:half], probe),
            *await self._isolated(items[half:], probe),
        ]

    def _write_probed(
        self, items: list[Item], probe: stages.Group | None, session: Session
    ) -> Sequence[Result | Exception]:
        if probe is not None:
            stages.enter(probe)
            probe.mark("thread")
            session.connection()  # as its first statement would: the pool's checkout, timed
            probe.mark("connected")
        return self._write_all(items, session)

    def _write_all(self, items: list[Item], session: Session) -> Sequence[Result | Exception]:
        outcomes = self._write(session, items)
        if len(outcomes) != len(items):
            raise RuntimeError("a group write must give one outcome per item")
        return outcomes


def refusal(exc: Exception) -> Exception:
    """What one item's failed write answers: the database's refusal of its data (a value out
    of range, too long, or breaking a constraint) is that item's 422; anything else is passed on
    as it is. The database's own words stay in the log: they may quote another record."""
    if isinstance(exc, CallkeepError):
        return exc
    if isinstance(exc, OverflowError | DataError | IntegrityError):
        log.warning("the database refused one item of a group commit", exc_info=exc)
        return InvalidInput.for_field("body", "the database cannot store this record as given")
    return exc


def for_this_loop(
    state: Any, name: str, make: Callable[[], GroupCommit[Item, Result]]
) -> GroupCommit[Item, Result]:
    """The app's group commit called `name` for the running event loop (a group never spans
    two loops or two apps); `state` is the app's ``state``."""
    writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] | None = getattr(
        state, name, None
    )
    if writers is None:
        writers = weakref.WeakKeyDictionary()
        setattr(state, name, writers)
    loop = asyncio.get_running_loop()
    writer: GroupCommit[Item, Result] | None = writers.get(loop)
    if writer is None:
        writer = writers[loop] = make()
    return writer
