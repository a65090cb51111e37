"""The scrub's output is written on a thread of its own: a slow or failing disk changes no byte
of it, and no write is left running once the scrub has answered; a file is on disk before the
scrub's record names it."""

from __future__ import annotations

import errno
import io
import os
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from callkeep.checks import scrub
from callkeep.checks.models import ScrubRun
from tests.checks.conftest import ME_NUMBER, World, make_context
from tests.checks.test_scrub import AT, run_scrub, scrub_to_file

FRESH = date(2026, 7, 1)


def _crm_export(rows: int) -> bytes:
    """Every field quoted, CRLF, commas, doubled quotes and a newline inside fields."""
    lines = ['"name","phone","note"']
    for i in range(rows):
        note = f'said ""call me"", then, {i}' if i % 3 else f"two\nlines {i}"
        lines.append(f'"Lead {i}","(207) 555-01{i % 100:02d}","{note}"')
    return ("\r\n".join(lines) + "\r\n").encode()


class _SlowDisk(io.BytesIO):
    """Takes its time over each write, and copies the bytes only then."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, data: bytes | memoryview) -> int:  # type: ignore[override]
        time.sleep(0.003)
        self.writes += 1
        return super().write(data)


class _FullDisk(io.BytesIO):
    """Refuses its third write, as a full disk does, and notes any write after that."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0
        self.refused = False
        self.after_refusal = 0

    def write(self, data: bytes | memoryview) -> int:  # type: ignore[override]
        self.writes += 1
        if self.refused:
            self.after_refusal += 1
        if self.writes == 3:
            self.refused = True
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(data)


def _scrub_into(world: World, data: bytes, out: io.BytesIO) -> None:
    with world.rt.db.transaction() as session:
        scrub.scrub_stream(
            session=session,
            ctx=make_context(session, at=AT),
            source=io.BytesIO(data),
            out=out,
            phone_column=None,
        )


def test_a_slow_disk_changes_no_byte_of_the_output(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each chunk's bytes are a view of arrays the chunk after next reuses: the scrub must wait
    for their write first. Written slowly, in chunks of 2 KB, the output is still the one the
    whole file in one chunk gives."""
    world.import_list("national", [ME_NUMBER], as_of=FRESH, area_codes=[207])
    data = _crm_export(2_000)
    expected = run_scrub(world, data)
    monkeypatch.setattr(scrub, "CHUNK_BYTES", 2_048)
    slow = _SlowDisk()
    _scrub_into(world, data, slow)
    assert slow.writes > 40  # many chunks, so the arrays were reused many times
    assert slow.getvalue() == expected


def test_a_write_the_disk_refuses_is_the_scrub_s_error_and_the_writing_stops(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scrub, "CHUNK_BYTES", 2_048)
    full = _FullDisk()
    with pytest.raises(OSError, match="No space left"):
        _scrub_into(world, _crm_export(2_000), full)
    writes = full.writes
    time.sleep(0.05)
    assert full.writes == writes  # no write still running once the scrub has answered
    assert not any(t.name.startswith("scrub-output") for t in threading.enumerate())
    assert full.after_refusal == 0  # nothing written after the gap


class _Counting(io.BytesIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, data: bytes | memoryview) -> int:  # type: ignore[override]
        self.writes += 1
        return super().write(data)


class _RefusesOne(io.BytesIO):
    def __init__(self, refused: int) -> None:
        super().__init__()
        self.writes = 0
        self.refused = refused

    def write(self, data: bytes | memoryview) -> int:  # type: ignore[override]
        self.writes += 1
        if self.writes == self.refused:
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(data)


@pytest.mark.parametrize("from_the_end", [0, 1, 2])
def test_a_refused_write_near_the_end_is_still_the_scrub_s_error(
    world: World, monkeypatch: pytest.MonkeyPatch, from_the_end: int
) -> None:
    """The last writes are waited for by the end of the scrub, not by a scratch set's reuse:
    a refusal among them must not end the scrub as if the output were whole."""
    monkeypatch.setattr(scrub, "CHUNK_BYTES", 2_048)
    data = _crm_export(200)
    counted = _Counting()
    _scrub_into(world, data, counted)
    with pytest.raises(OSError, match="No space left"):
        _scrub_into(world, data, _RefusesOne(counted.writes - from_the_end))


def _scrub_runs(world: World) -> int:
    with world.rt.db.transaction() as session:
        return len(session.scalars(select(ScrubRun)).all())


@pytest.mark.parametrize("sync_bytes", [8_192, 1 << 40])
def test_a_scrubbed_file_is_on_disk_before_its_record_names_it(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sync_bytes: int
) -> None:
    """Written to disk every SYNC_BYTES while it is written (or never along the way, when that is
    more than the file), and whole before the scrub's record is made; the rename, too, before
    the transaction holding the record ends."""
    events: list[str] = []
    real_sync, real_record, real_dir = scrub._DATASYNC, scrub._record, scrub.fsync_dir

    def synced(fd: int) -> None:
        events.append("sync")
        real_sync(fd)

    def recorded(*args: Any) -> Any:
        events.append("record")
        return real_record(*args)

    def named(folder: Path) -> None:
        events.append("rename")
        real_dir(folder)

    monkeypatch.setattr(scrub, "_DATASYNC", synced)
    monkeypatch.setattr(scrub, "_record", recorded)
    monkeypatch.setattr(scrub, "fsync_dir", named)
    monkeypatch.setattr(scrub, "CHUNK_BYTES", 2_048)
    monkeypatch.setattr(scrub, "SYNC_BYTES", sync_bytes)
    data = _crm_export(2_000)
    out = tmp_path / "scrubbed.csv"
    scrub_to_file(world, data, out)
    assert out.read_bytes() == run_scrub(world, data)
    if sync_bytes > len(data) * 2:
        assert events == ["sync", "record", "rename"]
    else:
        # along the way (each time 8 KB more than at the last: 8-11 KB, chunks being under
        # 3 KB), and once at the end
        assert events.count("sync") >= out.stat().st_size // 11_000 + 1
        assert events[-3:] == ["sync", "record", "rename"]


def test_a_disk_that_fails_to_keep_the_output_fails_the_scrub_and_leaves_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An I/O error found when the written bytes go to disk (a write the page cache took, which
    the disk then refused) is the scrub's error: no file under either name, and no record."""
    calls = {"n": 0}

    def failing(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(scrub, "_DATASYNC", failing)
    monkeypatch.setattr(scrub, "CHUNK_BYTES", 2_048)
    monkeypatch.setattr(scrub, "SYNC_BYTES", 8_192)
    out = tmp_path / "out" / "scrubbed.csv"
    out.parent.mkdir()
    with pytest.raises(OSError, match="Input/output error"):
        scrub_to_file(world, _crm_export(2_000), out)
    assert list(out.parent.iterdir()) == []
    assert _scrub_runs(world) == 0
    assert not any(t.name.startswith("scrub-output") for t in threading.enumerate())


def test_what_is_on_disk_is_dropped_from_the_page_cache_range_after_range(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each sync along the way drops the bytes written since the one before, so that together
    they cover the file from its start without a gap; the last stretch stays cached."""
    dropped: list[tuple[int, int]] = []
    real = os.posix_fadvise

    def advised(fd: int, offset: int, length: int, advice: int) -> None:
        assert advice == os.POSIX_FADV_DONTNEED
        dropped.append((offset, length))
        real(fd, offset, length, advice)

    monkeypatch.setattr(os, "posix_fadvise", advised)
    monkeypatch.setattr(scrub, "CHUNK_BYTES", 2_048)
    monkeypatch.setattr(scrub, "SYNC_BYTES", 8_192)
    out = tmp_path / "scrubbed.csv"
    scrub_to_file(world, _crm_export(2_000), out)
    assert len(dropped) >= 10
    assert [offset for offset, _ in dropped] == [0] + [o + n for o, n in dropped[:-1]]
    assert all(length >= 8_192 for _, length in dropped)
    covered = dropped[-1][0] + dropped[-1][1]
    assert 0 < out.stat().st_size - covered < 8_192 + 4_096


def test_a_folder_that_cannot_keep_the_new_name_fails_the_scrub_and_leaves_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The rename is made durable after it is made: an error then removes the renamed file too,
    and the record, not yet committed, goes with the transaction."""

    def refused(folder: Path) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(scrub, "fsync_dir", refused)
    out = tmp_path / "out" / "scrubbed.csv"
    out.parent.mkdir()
    with pytest.raises(OSError, match="Input/output error"):
        scrub_to_file(world, _crm_export(200), out)
    assert list(out.parent.iterdir()) == []
    assert _scrub_runs(world) == 0
