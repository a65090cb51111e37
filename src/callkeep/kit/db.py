"""The SQL database: declarative base, column types, engines and sessions.

SQLite runs in WAL mode with a busy timeout, and its write transactions start with
``BEGIN IMMEDIATE`` so concurrent writers queue instead of failing; PostgreSQL runs the same code.
"""

from __future__ import annotations

import select
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from callkeep.errors import ServiceBusy
from callkeep.kit.checkpoints import Checkpointer
from callkeep.kit.sql import driver_of, keep_driver_at_hand

_WRITE_WAIT_SECONDS = 60.0
_MMAP_BYTES = 1 << 30  # SQLite reads the first GiB of the file through a mapping
_BUSY_TIMEOUT_MS = 60_000
# A server's commits leave checkpoints to a background thread, which also starts the log over
# (see kit/checkpoints.py); a commit checkpoints only if the log reaches this many pages anyway
# (a reader holding an old snapshot for minutes, say), so that it cannot grow without end.
SERVER_AUTOCHECKPOINT = 100_000
_BEGIN = {"IMMEDIATE": "BEGIN IMMEDIATE", "DEFERRED": "BEGIN DEFERRED"}

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class WriterBusy(Exception):
    """Raised by `Database.transaction(wait=False)` when another thread holds the writer turn."""


class Base(DeclarativeBase):
    """Base of every callkeep table."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored as naive UTC to the second, read back as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("callkeep stores only zone-aware instants")
        return value.astimezone(UTC).replace(tzinfo=None, microsecond=0)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str) -> Engine:
    """An engine for `url`, tuned for callkeep's write pattern on SQLite or PostgreSQL."""
    if is_sqlite(url):
        engine = create_engine(
            url,
            connect_args={"timeout": _WRITE_WAIT_SECONDS, "check_same_thread": False},
            pool_size=8,
            max_overflow=16,
            # every transaction is ended by callkeep (commit, or rollback by `close`); the pool
            # need not roll back again on each return
            pool_reset_on_return=None,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA cache_size=-16384")
            cursor.execute(f"PRAGMA mmap_size={_MMAP_BYTES}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            options = connection.get_execution_options()
            mode = options.get("sqlite_begin", "IMMEDIATE")
            # straight to the driver: a BEGIN needs no statement cache or result object
            driver = connection.connection.driver_connection
            if not options.get("sqlite_no_wait"):
                driver.execute(_BEGIN[mode])
                return
            # Another process holds the write lock: say so at once instead of sleeping in
            # SQLite's busy handler (an event loop must not wait there).
            driver.execute("PRAGMA busy_timeout=0")
            try:
                driver.execute(_BEGIN[mode])
            except sqlite3.OperationalError as exc:
                raise WriterBusy from exc
            finally:
                driver.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")

        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20)
    event.listen(engine, "checkout", _still_connected)
    return engine


def _still_connected(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled PostgreSQL connection is checked before use without a round trip.

    An idle connection in good order has nothing to read: a server that ended it (a restart,
    `pg_terminate_backend`, an idle timeout) has sent its farewell and closed the socket, which
    makes it readable. Such a connection is refused with `DisconnectionError`, and the pool
    opens another in its place. (`pool_pre_ping` asked with `SELECT 1`, after a `BEGIN`: two
    round trips on every checkout, a tenth of a group commit's time.)
    """
    if dbapi_connection.closed or dbapi_connection.broken:
        raise DisconnectionError("the connection is closed")
    readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    if readable:
        raise DisconnectionError("the server ended the connection")


class Database:
    """An engine and the sessions made from it."""

    def __init__(self, url: str, *, info: dict[str, Any] | None = None) -> None:
        self.url = url
        self.engine = make_engine(url)
        # `info` is copied into every session (e.g. where the list snapshot files live).
        self.info = dict(info or {})
        self._writer = sessionmaker(self.engine, expire_on_commit=False, info=self.info)
        self._reader = sessionmaker(
            self.engine.execution_options(sqlite_begin="DEFERRED"),
            expire_on_commit=False,
            info=self.info,
        )
        self._eager_writer = sessionmaker(
            self.engine.execution_options(sqlite_no_wait=True),
            expire_on_commit=False,
            info=self.info,
        )
        for maker in (self._writer, self._reader, self._eager_writer):
            keep_driver_at_hand(maker)
        # SQLite has one writer at a time; writers of this process queue on a lock here instead
        # of sleeping in SQLite's busy handler, which wakes late and wrecks tail latency.
        self._write_lock: threading.Lock | None = threading.Lock() if self.is_sqlite else None
        self._write_owner: int | None = None
        self._checkpointer: Checkpointer | None = None
        if self.is_sqlite:
            event.listen(self.engine, "connect", self._on_connect)

    def _on_connect(self, dbapi_connection: Any, _record: Any) -> None:
        if self._checkpointer is not None:
            dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={SERVER_AUTOCHECKPOINT}")

    def checkpoint_in_background(self) -> Callable[[], None]:
        """For a server: checkpoints move off commits onto a background thread (SQLite).

        Returns the function that stops it (and checkpoints one last time); commits then
        checkpoint themselves again.
        """
        database = self.engine.url.database
        if not self.is_sqlite or not database or database == ":memory:":
            return lambda: None
        self._checkpointer = Checkpointer(database).start()
        self.engine.pool.dispose()  # pooled connections reopen with commits' checkpoints off

        def stop() -> None:
            checkpointer, self._checkpointer = self._checkpointer, None
            if checkpointer is not None:
                checkpointer.stop()
                self.engine.pool.dispose()  # and reopen with them on

        return stop

    @contextmanager
    def checkpoints_in_background(self) -> Iterator[None]:
        """For a long run of commits outside a server (an import from the command line): its
        checkpoints on a background thread, as a server's are, so that no chunk's commit waits
        for the log to be copied; commits checkpoint themselves again after it. Nothing if a
        server's thread already does this, or not on SQLite."""
        if self._checkpointer is not None:
            yield
            return
        stop = self.checkpoint_in_background()
        try:
            yield
        finally:
            stop()

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    def session(self, *, read_only: bool = False) -> Session:
        """A new session; on SQLite a writing session holds the write lock from its first query."""
        return (self._reader if read_only else self._writer)()

    @property
    def writes_inline(self) -> bool:
        """Whether a short write may run on the caller's thread without risking a long wait.

        True on SQLite, where this process's writers queue on an in-process lock that can be
        tried without waiting; PostgreSQL writers wait on the server, so they belong on threads.
        """
        return self._write_lock is not None

    @contextmanager
    def _writer_turn(self, read_only: bool, wait: bool) -> Iterator[None]:
        lock = self._write_lock
        if lock is None or read_only or self._write_owner == threading.get_ident():
            yield
            return
        if not wait:
            if not lock.acquire(blocking=False):
                raise WriterBusy
        elif not lock.acquire(timeout=_WRITE_WAIT_SECONDS):
            raise ServiceBusy("the database is busy with another write; try again")
        self._write_owner = threading.get_ident()
        try:
            yield
        finally:
            self._write_owner = None
            lock.release()

    @contextmanager
    def transaction(self, *, read_only: bool = False, wait: bool = True) -> Iterator[Session]:
        """A session that commits once at the end, or rolls back on any error.

        `wait=False`: raise `WriterBusy` at once, before any work, if another thread of this
        process is writing or (SQLite) another process holds the write lock.
        """
        with self._writer_turn(read_only, wait):
            eager = not wait and not read_only and self.is_sqlite
            session = self._eager_writer() if eager else self.session(read_only=read_only)
            try:
                if eager:
                    session.connection()  # BEGIN IMMEDIATE now, before the caller's work
                yield session
                if not read_only:
                    session.commit()  # a reader's transaction ends with `close` below
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def unmapped_reads(session: Session) -> Iterator[None]:
    """Within it, `session`'s SQLite connection reads the file's pages into its own bounded
    page cache instead of through the mapping, so a read over much of a large database (the
    compliance report) does not leave the whole file resident in the process; the mapping is
    back for the connection's next user. Nothing changes on PostgreSQL."""
    dialect, driver = driver_of(session)
    if dialect.name != "sqlite":
        yield
        return
    driver.execute("PRAGMA mmap_size=0")
    try:
        yield
    finally:
        driver.execute(f"PRAGMA mmap_size={_MMAP_BYTES}")
