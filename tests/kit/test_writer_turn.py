"""The writer turn: a non-waiting attempt fails before any work while another thread writes."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import text

from callkeep.kit.db import Database, WriterBusy
from callkeep.kit.runtime import Runtime


def test_a_busy_writer_refuses_a_non_waiting_turn_before_any_work(sqlite_db: Database) -> None:
    holding = threading.Event()
    release = threading.Event()

    def writer() -> None:
        with sqlite_db.transaction() as session:
            session.execute(text("SELECT 1"))
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(10)
        ran = []
        with pytest.raises(WriterBusy), sqlite_db.transaction(wait=False):
            ran.append(True)
        assert ran == []
        with sqlite_db.transaction(read_only=True, wait=False) as session:
            assert session.execute(text("SELECT 1")).scalar() == 1
    finally:
        release.set()
        thread.join()
    with sqlite_db.transaction(wait=False) as session:
        assert session.execute(text("SELECT 2")).scalar() == 2


def test_postgresql_never_writes_inline(rt: Runtime) -> None:
    assert rt.db.writes_inline == rt.db.is_sqlite


def test_a_write_lock_held_by_another_process_refuses_a_non_waiting_turn(
    sqlite_db: Database,
) -> None:
    other = sqlite3.connect(sqlite_db.url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # as another callkeep process importing a list would
    try:
        started = time.monotonic()
        with pytest.raises(WriterBusy), sqlite_db.transaction(wait=False):
            pytest.fail("no work may start while another process writes")
        assert time.monotonic() - started < 5  # refused at once, not after the busy timeout
    finally:
        other.execute("ROLLBACK")
        other.close()
    with sqlite_db.transaction(wait=False) as session:
        assert session.execute(text("SELECT 3")).scalar() == 3
