"""A server checkpoints SQLite's log from a background thread, never in a request's commit."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from sqlalchemy import text

from callkeep.kit.checkpoints import Checkpointer
from callkeep.kit.db import SERVER_AUTOCHECKPOINT, Database


def test_the_background_thread_copies_the_log_into_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE t (x BLOB)")
    for _ in range(200):
        writer.execute("INSERT INTO t VALUES (randomblob(4000))")
    before = os.path.getsize(path)
    checkpointer = Checkpointer(str(path), interval=0.05).start()
    try:
        deadline = time.monotonic() + 10
        while os.path.getsize(path) < before + 500_000:
            assert time.monotonic() < deadline, "no checkpoint happened"
            time.sleep(0.05)
    finally:
        checkpointer.stop()
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
