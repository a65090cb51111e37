"""The package's largest file deflated into the zip on a second thread while it is written.

``records.jsonl`` is most of a package's bytes and the zip's first file, so it need not go to a
temporary file and be read back: its chunks are handed to a thread (through a short queue, so
memory stays bounded) that takes their SHA-256 and writes them into the zip entry. zlib's
deflate, zip's CRC-32 and SHA-256 release the GIL on buffers this size, so that work runs on
another core beside the Python that makes the next chunks. The entry is what
`ZipFile.write` would have made of the same bytes (deflated at the archive's level, mode 0600),
written as ZIP64 since its size is not known in advance.
"""

from __future__ import annotations

import contextlib
import hashlib
import queue
import threading
import time
import zipfile
from typing import IO

_WAITING = 8  # chunks queued at most (a chunk is a few MB of lines)


class ZipEntrySink:
    """One file of `archive`, written and hashed by a thread as its bytes come in."""

    def __init__(self, archive: zipfile.ZipFile, name: str, level: int) -> None:
        info = zipfile.ZipInfo(name, date_time=time.localtime(time.time())[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        # ZipFile.open takes the level from the ZipInfo; this slot is the one it reads
        info._compresslevel = level  # type: ignore[attr-defined]
        info.external_attr = 0o100600 << 16  # a regular file only its owner may read
        self.sha = hashlib.sha256()
        self._entry: IO[bytes] = archive.open(info, "w", force_zip64=True)
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=_WAITING)
        self._failed: BaseException | None = None
        self._thread = threading.Thread(target=self._drain, name="package-deflate", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while (data := self._queue.get()) is not None:
            if self._failed is not None:
                continue  # keep taking, so that the writer is never blocked on a full queue
            try:
                self.sha.update(data)
                self._entry.write(data)
            except BaseException as exc:  # raised again in the writer's thread by `close`
                self._failed = exc

    def write(self, data: bytes) -> None:
        if self._failed is not None:
            raise self._failed
        self._queue.put(data)

    def close(self) -> None:
        """Waits for every byte to be written, then ends the entry (its error, if any, raised
        here)."""
        self._queue.put(None)
        self._thread.join()
        if self._failed is not None:
            raise self._failed
        self._entry.close()

    def abort(self) -> None:
        """Stops the thread after a failure elsewhere, leaving the entry ended (the zip is to
        be thrown away)."""
        self._queue.put(None)
        self._thread.join()
        # the package is discarded: the error that stopped it is the one to see
        with contextlib.suppress(Exception):
            self._entry.close()
