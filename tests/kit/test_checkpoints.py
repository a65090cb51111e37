"""A server checkpoints SQLite's log from a background thread; pooled connections come back
clean."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from callkeep.app import create_app
from callkeep.config import Settings
from callkeep.kit.checkpoints import Checkpointer
from callkeep.kit.db import SERVER_AUTOCHECKPOINT, Database
from callkeep.kit.runtime import Runtime, build_runtime
from callkeep.ledger import service as ledger
from callkeep.records.parties import sellers
from tests.world import BIRCH_WINDOWS


def _long_log(path: Path) -> sqlite3.Connection:
    """A database whose log holds about 100 pages, which no commit ever checkpoints."""
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE t (x BLOB)")
    for _ in range(100):
        writer.execute("INSERT INTO t VALUES (randomblob(3000))")
    return writer


def test_the_background_thread_copies_the_log_into_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    writer = _long_log(path)
    before = os.path.getsize(path)
    checkpointer = Checkpointer(str(path), interval=0.05).start()
    try:
        deadline = time.monotonic() + 10
        while os.path.getsize(path) < before + 250_000:
            assert time.monotonic() < deadline, "no checkpoint happened"
            time.sleep(0.05)
    finally:
        checkpointer.stop()
        writer.close()


def _restarts(log: Path) -> int:
    """How many times the log has started over: its header's checkpoint sequence number."""
    with log.open("rb") as f:
        f.seek(12)
        return int.from_bytes(f.read(4), "big")


def test_the_background_thread_starts_the_log_over_under_steady_writes(tmp_path: Path) -> None:
    path = tmp_path / "steady.db"
    writer = _long_log(path)
    writes = 0
    stop = threading.Event()

    def write_on() -> None:  # a writer that never pauses: the log is never wholly copied
        nonlocal writes
        steady = sqlite3.connect(path, isolation_level=None)
        steady.execute("PRAGMA wal_autocheckpoint=0")
        while not stop.is_set():
            steady.execute("INSERT INTO t VALUES (randomblob(100))")
            writes += 1
        steady.close()

    thread = threading.Thread(target=write_on)
    thread.start()
    checkpointer = Checkpointer(str(path), interval=0.01, restart_pages=200).start()
    first = _restarts(tmp_path / "steady.db-wal")
    try:
        deadline = time.monotonic() + 20
        while _restarts(tmp_path / "steady.db-wal") < first + 3:
            assert time.monotonic() < deadline, "the log did not start over"
            time.sleep(0.01)
    finally:
        checkpointer.stop()
        stop.set()
        thread.join()
    assert writer.execute("SELECT count(*) FROM t").fetchone()[0] == 100 + writes
    writer.close()


def test_a_log_shorter_than_the_restart_length_is_only_copied(tmp_path: Path) -> None:
    path = tmp_path / "short.db"
    writer = _long_log(path)
    log = tmp_path / "short.db-wal"
    size, restarts, before = log.stat().st_size, _restarts(log), os.path.getsize(path)
    checkpointer = Checkpointer(str(path), interval=0.02, restart_pages=1_000).start()
    try:  # the thread did run: the log's pages reached the database file
        deadline = time.monotonic() + 10
        while os.path.getsize(path) < before + 250_000:
            assert time.monotonic() < deadline, "no checkpoint happened"
            time.sleep(0.02)
        time.sleep(0.2)  # ten more rounds, each of which would start a long log over
    finally:
        checkpointer.stop()
    assert log.stat().st_size == size  # copied, never truncated
    assert _restarts(log) == restarts  # nor started over
    writer.close()


def test_a_serving_database_leaves_checkpoints_to_the_thread_until_the_log_is_long(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'served.db'}")
    try:
        with db.transaction() as session:
            assert session.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 1000
        stop = db.checkpoint_in_background()
        with db.transaction() as session:
            found = session.execute(text("PRAGMA wal_autocheckpoint")).scalar()
            assert found == SERVER_AUTOCHECKPOINT
        stop()
    finally:
        db.dispose()


def test_the_server_checkpoints_in_the_background_while_it_runs(tmp_path: Path) -> None:
    rt = build_runtime(Settings(data_dir=tmp_path))
    try:
        with TestClient(create_app(runtime=rt)):
            with rt.db.transaction() as session:
                found = session.execute(text("PRAGMA wal_autocheckpoint")).scalar()
            assert found == SERVER_AUTOCHECKPOINT
            threads = {t.name for t in threading.enumerate()}
            assert "callkeep-checkpoints" in threads
        assert "callkeep-checkpoints" not in {t.name for t in threading.enumerate()}
    finally:
        rt.db.dispose()


def test_connections_go_back_to_the_pool_outside_any_transaction(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'pool.db'}")
    try:
        with db.transaction() as session:
            session.execute(text("CREATE TABLE t (x INTEGER PRIMARY KEY)"))
        drivers = []
        with db.transaction(read_only=True) as session:
            session.execute(text("SELECT * FROM t")).all()
            drivers.append(session.connection().connection.driver_connection)
        with pytest.raises(IntegrityError), db.transaction() as session:
            drivers.append(session.connection().connection.driver_connection)
            session.execute(text("INSERT INTO t VALUES (1), (1)"))
        with db.transaction() as session:
            session.execute(text("INSERT INTO t VALUES (2)"))
            drivers.append(session.connection().connection.driver_connection)
        assert [d.in_transaction for d in drivers] == [False, False, False]
    finally:
        db.dispose()


def _autocheckpoint(db: Database) -> int:
    with db.transaction() as session:
        return int(session.execute(text("PRAGMA wal_autocheckpoint")).scalar_one())


def test_a_long_run_of_commits_checkpoints_in_the_background_and_commits_after_it_again(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'import.db'}")
    try:
        assert _autocheckpoint(db) == 1000
        with db.checkpoints_in_background():
            assert _autocheckpoint(db) == SERVER_AUTOCHECKPOINT
            assert "callkeep-checkpoints" in {t.name for t in threading.enumerate()}
        assert "callkeep-checkpoints" not in {t.name for t in threading.enumerate()}
        assert _autocheckpoint(db) == 1000
    finally:
        db.dispose()


def test_within_a_server_the_run_leaves_the_servers_thread_alone(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'served.db'}")
    try:
        stop = db.checkpoint_in_background()
        with db.checkpoints_in_background():
            assert _autocheckpoint(db) == SERVER_AUTOCHECKPOINT
        names = [t.name for t in threading.enumerate()]
        assert names.count("callkeep-checkpoints") == 1  # the server's, still running
        assert _autocheckpoint(db) == SERVER_AUTOCHECKPOINT
        stop()
    finally:
        db.dispose()


def test_on_either_engine_writes_within_the_run_are_kept(rt: Runtime) -> None:
    with rt.db.checkpoints_in_background():
        threads = {t.name for t in threading.enumerate()}
        with rt.db.transaction() as session:
            before = ledger.entry_count(session=session)
            sellers.create_seller(session=session, actor="t", seller_in=BIRCH_WINDOWS)
    assert ("callkeep-checkpoints" in threads) == rt.db.is_sqlite  # nothing on PostgreSQL
    with rt.db.transaction(read_only=True) as session:
        assert ledger.entry_count(session=session) == before + 1
        assert ledger.verify(session=session).intact
