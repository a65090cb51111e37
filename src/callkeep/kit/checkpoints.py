"""SQLite's write-ahead log copied into the database file off the request path.

By default the commit that fills the log past 1,000 pages copies the log into the database file
and waits for the disk: tens of milliseconds, charged to whichever request happened to commit.
A running server raises that threshold for its own connections (see `SERVER_AUTOCHECKPOINT`) and
checkpoints from a background thread every half second instead; readers and writers carry on
meanwhile (a PASSIVE checkpoint waits for nobody, and copies what it can). The log starts over
only when a writer finds it wholly copied, which under steady writes the thread alone never
achieves: past the threshold a commit checkpoints what little is left, and the log restarts.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

_log = logging.getLogger(__name__)


class Checkpointer:
    """A daemon thread that checkpoints one SQLite database file until stopped."""

    def __init__(self, path: str, *, interval: float = 0.5) -> None:
        self.path = path
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="callkeep-checkpoints", daemon=True)

    def start(self) -> Checkpointer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops the thread after one last checkpoint."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        try:
            while not self._stop.wait(self.interval):
                self._checkpoint(connection)
            self._checkpoint(connection)
        finally:
            connection.close()

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as exc:  # e.g. another process is checkpointing right now
            _log.debug("checkpoint skipped: %s", exc)
