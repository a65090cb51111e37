"""Stamped caches: rows that change rarely, kept per process and re-read when their stamp moves.

Some reference rows (sellers and campaigns with their amendments, the lists' versions) are read
by every check, yet change rarely and only by insertion: records are never updated in place. A
`StampedCache` keeps what it loaded per database, beside a stamp (the count and newest id of
each table it reads); one small query of that stamp tells whether anything was added since, in
this process or another one sharing the database, and only then is the cache loaded again.

Within one transaction the answer is also remembered in the session, so a check that asks twice
pays for the stamp once; it is forgotten when the transaction flushes a new row of one of the
watched models (the transaction then reads its own view, which other transactions do not share:
their stamp differs) and when the transaction ends.

The two listeners below are the only ones on the global `Session` class, so that every session,
whoever made it, forgets at its transaction's end; keys other modules keep per transaction in
`session.info` are registered with `forget_at_transaction_end` rather than adding listeners.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import FromClause, event, func, select
from sqlalchemy.orm import Session, SessionTransaction

from callkeep.kit.sql import Prepared

T = TypeVar("T")

_PER_TRANSACTION: set[str] = set()  # session.info keys dropped when a transaction ends
_WATCHED: dict[str, tuple[type, ...]] = {}  # session.info key: models whose new rows drop it


def forget_at_transaction_end(key: str) -> None:
    """`session.info[key]` is dropped from every session when its outermost transaction ends."""
    _PER_TRANSACTION.add(key)


def stamp_of(*sources: tuple[FromClause, Any]) -> Prepared:
    """The stamp of some tables: for each (table, id column), its row count and newest id."""
    columns: list[Any] = []
    for table, id_column in sources:
        columns.append(select(func.count()).select_from(table).scalar_subquery())
        columns.append(select(func.max(id_column)).scalar_subquery())
    return Prepared(select(*columns))


class StampedCache(Generic[T]):
    """What `load` reads, re-read only when `stamp` moves or the transaction adds a watched row."""

    def __init__(
        self,
        name: str,
        *,
        stamp: Prepared,
        load: Callable[[Session], T],
        watches: tuple[type, ...],
    ) -> None:
        self._memo = f"callkeep.stamped.{name}"
        self._stamp = stamp
        self._load = load
        self._lock = threading.Lock()
        self._by_database: dict[str, tuple[tuple[Any, ...], T]] = {}
        forget_at_transaction_end(self._memo)
        _WATCHED[self._memo] = watches

    def get(self, *, session: Session) -> T:
        """The rows as this session's transaction sees them: remembered in the transaction,
        one small query when asked first, a full read only when something was added."""
        memo: T | None = session.info.get(self._memo)
        if memo is not None:
            return memo
        found = self._current(session)
        session.info[self._memo] = found
        return found

    def _current(self, session: Session) -> T:
        stamp = tuple(self._stamp.rows(session)[0])
        key = str(session.get_bind().engine.url)
        with self._lock:
            cached = self._by_database.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        found = self._load(session)
        with self._lock:
            self._by_database[key] = (stamp, found)
        return found


@event.listens_for(Session, "after_flush")
def _forget_on_new_watched_row(session: Session, _context: object) -> None:
    for key, models in _WATCHED.items():
        if key in session.info and any(isinstance(obj, models) for obj in session.new):
            session.info.pop(key, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        for key in _PER_TRANSACTION:
            session.info.pop(key, None)
