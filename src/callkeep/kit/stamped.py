"""Stamped caches: rows that change rarely, kept per process and re-read when their stamp moves.

Some reference rows (sellers and campaigns with their amendments, the lists' versions) are read
by every check, yet change rarely and only by insertion: records are never updated in place. A
`StampedCache` keeps what it loaded per database, beside a stamp (the count and newest id of
each table it reads); one small query of that stamp tells whether anything was added since, in
this process or another one sharing the database, and only then is the cache loaded again.

Within one transaction the answer is also remembered in the session, so a check that asks twice
pays for the stamp once; it is forgotten when the transaction flushes a new row of one of the
watched models (the transaction then reads its own view, which other transactions do not share:
their stamp differs) and when the transaction ends. The stamps of every cache are read together,
in one statement, the first time a transaction asks any of them: a check reads the sellers'
directory and the lists' catalogue, and pays one round trip for both stamps, not one each. A
stamp read so serves its cache's first question in that transaction (what other transactions
committed since is seen by the next transaction, as with any cache read earlier in it); one
flushed by the transaction itself drops it, as it drops the remembered answer.

The two listeners below are the only ones on the global `Session` class, so that every session,
whoever made it, forgets at its transaction's end; keys other modules keep per transaction in
`session.info` are registered with `forget_at_transaction_end` rather than adding listeners.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import FromClause, event, func, select
from sqlalchemy.orm import Session, SessionTransaction

from callkeep.kit.sql import Prepared

T = TypeVar("T")

_PER_TRANSACTION: set[str] = set()  # session.info keys dropped when a transaction ends
_WATCHED: dict[str, tuple[type, ...]] = {}  # session.info key: models whose new rows drop it
_STAMPS = "callkeep.stamped.stamps"  # session.info key: cache's key -> its stamp, this transaction


def forget_at_transaction_end(key: str) -> None:
    """`session.info[key]` is dropped from every session when its outermost transaction ends."""
    _PER_TRANSACTION.add(key)


@dataclass(frozen=True)
class Stamp:
    """What a cache's stamp counts: for each (table, id column), its row count and newest id."""

    sources: tuple[tuple[FromClause, Any], ...]

    def columns(self) -> list[Any]:
        columns: list[Any] = []
        for table, id_column in self.sources:
            columns.append(select(func.count()).select_from(table).scalar_subquery())
            columns.append(select(func.max(id_column)).scalar_subquery())
        return columns


def stamp_of(*sources: tuple[FromClause, Any]) -> Stamp:
    """The stamp of some tables: for each (table, id column), its row count and newest id."""
    return Stamp(tuple(sources))


class _Together:
    """Every cache's stamp in one statement; rebuilt when a cache is made after it was used."""

    def __init__(self) -> None:
        self.stamps: list[tuple[str, Stamp]] = []
        self._statement: tuple[Prepared, tuple[tuple[str, int, int], ...]] | None = None

    def add(self, key: str, stamp: Stamp) -> None:
        self.stamps.append((key, stamp))
        self._statement = None

    def read(self, session: Session) -> dict[str, tuple[Any, ...]]:
        """Each cache's stamp, as the transaction sees them now."""
        statement = self._statement
        if statement is None:
            columns: list[Any] = []
            spans: list[tuple[str, int, int]] = []
            for key, stamp in self.stamps:
                own = stamp.columns()
                spans.append((key, len(columns), len(columns) + len(own)))
                columns += own
            statement = self._statement = (Prepared(select(*columns)), tuple(spans))
        prepared, where = statement
        row = tuple(prepared.rows(session)[0])
        return {key: row[start:end] for key, start, end in where}


_TOGETHER = _Together()


class StampedCache(Generic[T]):
    """What `load` reads, re-read only when `stamp` moves or the transaction adds a watched row."""

    def __init__(
        self,
        name: str,
        *,
        stamp: Stamp,
        load: Callable[[Session], T],
        watches: tuple[type, ...],
    ) -> None:
        self._memo = f"callkeep.stamped.{name}"
        self._load = load
        self._lock = threading.Lock()
        self._by_database: dict[str, tuple[tuple[Any, ...], T]] = {}
        forget_at_transaction_end(self._memo)
        _WATCHED[self._memo] = watches
        _TOGETHER.add(self._memo, stamp)

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
        stamps: dict[str, tuple[Any, ...]] | None = session.info.get(_STAMPS)
        if stamps is None or self._memo not in stamps:
            stamps = session.info[_STAMPS] = _TOGETHER.read(session)
        stamp = stamps.pop(self._memo)  # used once: a later question asks the stamp again
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
        if any(isinstance(obj, models) for obj in session.new):
            session.info.pop(key, None)
            stamps = session.info.get(_STAMPS)
            if stamps is not None:
                stamps.pop(key, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        for key in _PER_TRANSACTION:
            session.info.pop(key, None)


forget_at_transaction_end(_STAMPS)
