"""Group commit: the small ledgered writes of concurrent requests stored in one transaction.

A pre-call check writes one decision. Written alone, each would pay for its own transaction: the
writer lock, the ledger head, two inserts and a commit, most of the check's time. Under load,
several checks finish their reading in the same turn of the event loop; `GroupCommit` stores all
their rows in one transaction, and each request answers only once the commit holding its rows is
done, so a decision is durable before the dialer hears it. With one request at a time, a batch
is that one request: nothing waits for company.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from callkeep.kit.db import Database
from callkeep.kit.http import write_soon
from callkeep.ledger import service as ledger
from callkeep.ledger.models import Recorded


@dataclass
class _Pending:
    model: type[Recorded]
    actor: str
    rows: list[dict[str, Any]]
    done: asyncio.Future[None]


class GroupCommit:
    """Stores rows of concurrent requests together; one per app, used on its event loop."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._pending: list[_Pending] = []
        self._flusher: asyncio.Task[None] | None = None

    async def record(
        self, *, model: type[Recorded], actor: str, rows: list[dict[str, Any]]
    ) -> None:
        """Stores `rows` of `model` through the ledger; returns once they are committed."""
        loop = asyncio.get_running_loop()
        item = _Pending(model, actor, rows, loop.create_future())
        self._pending.append(item)
        if self._flusher is None:
            self._flusher = loop.create_task(self._flush())
        await item.done

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    await self._store(batch)
                except Exception as exc:
                    for item in batch:
                        if not item.done.done():
                            item.done.set_exception(exc)
                else:
                    for item in batch:
                        if not item.done.done():
                            item.done.set_result(None)
        finally:
            self._flusher = None

    async def _store(self, batch: list[_Pending]) -> None:
        groups: dict[tuple[type[Recorded], str], list[dict[str, Any]]] = {}
        for item in batch:
            groups.setdefault((item.model, item.actor), []).extend(item.rows)

        def write(session: Session) -> None:
            for (model, actor), rows in groups.items():
                ledger.record_many(session=session, actor=actor, model=model, rows=rows)

        await write_soon(self._db, write)
