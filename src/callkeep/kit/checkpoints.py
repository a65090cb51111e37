"""SQLite's write-ahead log copied into the database file, and started over, off the request path.

By default the commit that fills the log past 1,000 pages copies the log into the database file
and waits for the disk: tens of milliseconds, charged to whichever request happened to commit.
A running server raises that threshold for its own connections far out of reach (see
`SERVER_AUTOCHECKPOINT`) and leaves the work to a background thread. Every half second it
checkpoints PASSIVE: readers and writers carry on meanwhile, and it copies what it can. Under
steady writes that never leaves the log wholly copied at the moment a writer starts, which is
when SQLite would start the log over; so once the log holds `restart_pages` pages the thread
checkpoints RESTART: new writes wait for the last few pages to be copied and synced (a few
milliseconds, on this thread), and the next write starts the log over. (TRUNCATE would also
empty the file, but then every write of the next seconds grows it again: slower.) Reads never
wait; a reader that holds an old snapshot longer than 50 ms (an export, say) puts this off.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

_log = logging.getLogger(__name__)
_RESTART_TRIES_FOR = 0.05  # seconds
_RESTART_PAUSE = 0.0002


class Checkpointer:
    """A daemon thread that checkpoints one SQLite database file until stopped."""

    def __init__(self, path: str, *, interval: float = 0.5, restart_pages: int = 40_000) -> None:
        self.path = path
        self.interval = interval
        self.restart_pages = restart_pages
        self._restart_at = restart_pages
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
        # no busy handler: a RESTART that finds the write lock taken says so at once (SQLite's
        # handler would sleep 1, 2, 5, 10 ms between tries, while writes queue behind it)
        connection = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        try:
            while not self._stop.wait(self.interval):
                self._checkpoint(connection)
            self._checkpoint(connection)
        finally:
            connection.close()

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        try:
            _busy, pages, _copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if pages < self._restart_at:
                return
            restarted = _restart(connection)
            # a reader held on (an export, say): let the log grow a little before trying again
            self._restart_at = self.restart_pages if restarted else pages + self.restart_pages // 4
        except sqlite3.Error as exc:  # e.g. another process is checkpointing right now
            _log.debug("checkpoint skipped: %s", exc)


def _restart(connection: sqlite3.Connection) -> bool:
    """A RESTART checkpoint, tried every fraction of a millisecond until it finds the write
    lock free and no reader on an old snapshot, for `_RESTART_TRIES_FOR` at most."""
    give_up = time.monotonic() + _RESTART_TRIES_FOR
    while True:
        busy, _pages, _copied = connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
        if not busy:
            return True
        if time.monotonic() > give_up:
            return False
        time.sleep(_RESTART_PAUSE)
