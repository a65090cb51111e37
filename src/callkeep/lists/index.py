"""The lists' snapshot files and the in-memory index built over them.

A *snapshot* file holds every number of one version: for each area code with many numbers a
dense bitmap of its 10 M subscriber numbers (1.25 MB, one bit each), and for the others a sorted
array of the 10-digit numbers. A *delta* file holds the numbers added and removed since a
snapshot, so a version costs a full copy only when it differs much from its snapshot.

Files are immutable: written under a temporary name, fsynced, renamed, and the folder fsynced.
A file counts only once its SQL `ListVersion` record is committed.
"""

from __future__ import annotations

import json
import os
import struct
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from callkeep.lists.state import ROW_BYTES, SUBSCRIBERS, ListState, Numbers, row_numbers

# An area code is stored dense once a bitmap costs no more than a sorted array would.
DENSE_FROM = ROW_BYTES // 8
MAGIC = b"CKDNC01\n"
_ALIGN = 64
TEMP_PREFIX = ".tmp-"

__all__ = ["ROW_BYTES", "SUBSCRIBERS", "ListState", "Numbers", "row_numbers"]


def _padded(length: int) -> int:
    return (length + _ALIGN - 1) // _ALIGN * _ALIGN


def fsync_dir(folder: Path) -> None:
    """Makes a rename in `folder` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _AtomicFile:
    """A file written under a temporary name and renamed into place once complete."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.temp = target.with_name(f"{TEMP_PREFIX}{target.name}")
        self.handle = open(self.temp, "wb")  # noqa: SIM115

    def write(self, data: bytes | memoryview) -> None:
        self.handle.write(data)

    def finish(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        os.replace(self.temp, self.target)
        fsync_dir(self.target.parent)

    def abandon(self) -> None:
        self.handle.close()
        self.temp.unlink(missing_ok=True)


def _write_header(out: _AtomicFile, header: dict[str, Any]) -> None:
    body = json.dumps(header, sort_keys=True).encode()
    total = _padded(len(MAGIC) + 8 + len(body))
    out.write(MAGIC + struct.pack("<Q", len(body)) + body + b" " * (total - 16 - len(body)))


def _read_header(path: Path) -> tuple[dict[str, Any], int]:
    with open(path, "rb") as handle:
        start = handle.read(16)
        if len(start) < 16 or start[:8] != MAGIC:
            raise ValueError(f"{path.name} is not a callkeep list file")
        (length,) = struct.unpack("<Q", start[8:])
        header: dict[str, Any] = json.loads(handle.read(length))
    return header, _padded(16 + length)


# --- writing files ----------------------------------------------------------------------


def write_snapshot(state: ListState, target: Path) -> int:
    """Writes every number of `state` to `target` atomically; returns how many."""
    counts = state.counts()
    dense = [npa for npa, count in counts.items() if count >= DENSE_FROM]
    sparse_parts = [row_numbers(state.rows[npa], npa) for npa in counts if counts[npa] < DENSE_FROM]
    sparse = np.concatenate(sparse_parts) if sparse_parts else np.zeros(0, np.int64)
    out = _AtomicFile(target)
    try:
        _write_header(
            out,
            {
                "kind": "snapshot",
                "dense": dense,
                "sparse": int(sparse.size),
                "counts": {str(k): v for k, v in counts.items()},
            },
        )
        for npa in dense:
            out.write(state.rows[npa].data)
        out.write(np.ascontiguousarray(sparse, dtype="<i8").data)
        out.finish()
    except BaseException:
        out.abandon()
        raise
    return sum(counts.values())


def write_delta(added: Numbers, removed: Numbers, target: Path) -> None:
    """Writes the numbers added and removed since a snapshot to `target` atomically."""
    out = _AtomicFile(target)
    try:
        _write_header(
            out, {"kind": "delta", "added": int(added.size), "removed": int(removed.size)}
        )
        out.write(np.ascontiguousarray(added, dtype="<i8").data)
        out.write(np.ascontiguousarray(removed, dtype="<i8").data)
        out.finish()
    except BaseException:
        out.abandon()
        raise


# --- reading files ----------------------------------------------------------------------


_INDEX_BITS = 24
_SORT_FROM = 65_536


def _in_sorted(sorted_numbers: Numbers, numbers: Numbers) -> npt.NDArray[np.bool_]:
    """Whether each of `numbers` is in `sorted_numbers`.

    Many numbers are sorted first (each packed with its position, so one radix-friendly sort
    does it): a binary search with sorted keys walks memory forward instead of at random.
    """
    hits = np.zeros(numbers.size, dtype=bool)
    if sorted_numbers.size == 0 or numbers.size == 0:
        return hits
    if numbers.size < _SORT_FROM:
        where = np.searchsorted(sorted_numbers, numbers)
        where[where == sorted_numbers.size] = 0
        return np.asarray(sorted_numbers[where] == numbers)
    step = 1 << _INDEX_BITS
    for start in range(0, numbers.size, step):
        part = numbers[start : start + step]
        valid = (part >= 0) & (part < (1 << 38))
        packed = (np.where(valid, part, 0) << _INDEX_BITS) | np.arange(part.size, dtype=np.int64)
        packed.sort()
        keys = packed >> _INDEX_BITS
        where = np.searchsorted(sorted_numbers, keys)
        where[where == sorted_numbers.size] = 0
        found = np.empty(part.size, dtype=bool)
        found[packed & (step - 1)] = sorted_numbers[where] == keys
        hits[start : start + part.size] = found & valid
    return hits


class Snapshot:
    """A snapshot file, memory-mapped: answers membership for many numbers at once."""

    def __init__(self, path: Path) -> None:
        header, offset = _read_header(path)
        if header.get("kind") != "snapshot":
            raise ValueError(f"{path.name} is not a snapshot")
        self.counts = {int(k): int(v) for k, v in header["counts"].items()}
        dense: list[int] = header["dense"]
        self.slot = np.full(1000, -1, dtype=np.int32)
        self.slot[dense] = np.arange(len(dense), dtype=np.int32)
        self.dense: npt.NDArray[np.uint8] | None = None
        if dense:
            self.dense = np.memmap(
                path, dtype=np.uint8, mode="r", offset=offset, shape=(len(dense), ROW_BYTES)
            )
        offset += len(dense) * ROW_BYTES
        self.sparse: Numbers = np.zeros(0, np.int64)
        if header["sparse"]:
            self.sparse = np.memmap(
                path, dtype="<i8", mode="r", offset=offset, shape=(int(header["sparse"]),)
            )

    def contains(self, numbers: Numbers) -> npt.NDArray[np.bool_]:
        """Whether each number is in the snapshot."""
        hits = np.zeros(numbers.size, dtype=bool)
        npa = numbers // SUBSCRIBERS
        npa[(npa < 0) | (npa >= 1000)] = 0
        slot = self.slot[npa]
        if self.dense is not None:
            rows = np.flatnonzero(slot >= 0)
            subscriber = numbers[rows] - npa[rows] * SUBSCRIBERS
            byte = self.dense[slot[rows], subscriber >> 3]
            hits[rows] = (byte >> (subscriber & 7).astype(np.uint8)) & 1
        if self.sparse.size:
            rest = np.flatnonzero(slot < 0)
            hits[rest] = _in_sorted(self.sparse, numbers[rest])
        return hits

    def state(self) -> ListState:
        """The snapshot as a working state (for building the next version)."""
        state = ListState()
        if self.dense is not None:
            for npa in np.flatnonzero(self.slot >= 0).tolist():
                state.share(npa, self.dense[self.slot[npa]])
        state.add(np.asarray(self.sparse))
        return state


def read_delta(path: Path) -> tuple[Numbers, Numbers]:
    """The (added, removed) numbers of a delta file, sorted."""
    header, offset = _read_header(path)
    if header.get("kind") != "delta":
        raise ValueError(f"{path.name} is not a delta")
    added, removed = int(header["added"]), int(header["removed"])
    with open(path, "rb") as handle:
        handle.seek(offset)
        a = np.frombuffer(handle.read(added * 8), dtype="<i8").astype(np.int64)
        r = np.frombuffer(handle.read(removed * 8), dtype="<i8").astype(np.int64)
    return a, r


_FILTER_BITS = 26
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _filter_slots(numbers: Numbers) -> npt.NDArray[np.uint64]:
    mixed = numbers.astype(np.uint64) * _GOLDEN
    return mixed >> np.uint64(64 - _FILTER_BITS)


class ChangeFilter:
    """A one-hash bit filter over a version's changed numbers (8 MB).

    Most numbers asked about were not changed since the snapshot; one array gather rules them
    out, and only the few left are searched for among the sorted changes.
    """

    def __init__(self, changed: Numbers) -> None:
        marks = np.zeros(1 << _FILTER_BITS, dtype=bool)
        marks[_filter_slots(changed)] = True
        self.bits = np.packbits(marks, bitorder="little")

    def maybe(self, numbers: Numbers) -> npt.NDArray[np.bool_]:
        slots = _filter_slots(numbers)
        shift = (slots & np.uint64(7)).astype(np.uint8)
        found: npt.NDArray[np.bool_] = ((self.bits[slots >> np.uint64(3)] >> shift) & 1).astype(
            bool
        )
        return found


@dataclass
class VersionIndex:
    """One version's numbers: its snapshot, less `removed`, plus `added`."""

    snapshot: Snapshot
    added: Numbers
    removed: Numbers
    _filter: ChangeFilter | None = None

    def __post_init__(self) -> None:
        if self.added.size + self.removed.size > _SORT_FROM:
            self._filter = ChangeFilter(np.concatenate([self.added, self.removed]))

    def contains(self, numbers: Numbers) -> npt.NDArray[np.bool_]:
        """Whether each number was on the list in this version."""
        hits = self.snapshot.contains(numbers)
        if not (self.removed.size or self.added.size):
            return hits
        asked = np.arange(numbers.size)
        if self._filter is not None:
            asked = np.flatnonzero(self._filter.maybe(numbers))
        subset = numbers[asked]
        if self.removed.size:
            hits[asked] &= ~_in_sorted(self.removed, subset)
        if self.added.size:
            hits[asked] |= _in_sorted(self.added, subset)
        return hits

    def state(self) -> ListState:
        state = self.snapshot.state()
        state.remove(self.removed)
        state.add(self.added)
        return state


class IndexCache:
    """Loaded versions by id, shared by every request of a process; a few kept, oldest dropped."""

    def __init__(self, keep: int = 8) -> None:
        self.keep = keep
        self._lock = threading.Lock()
        self._versions: OrderedDict[tuple[str, str], VersionIndex] = OrderedDict()
        self._snapshots: OrderedDict[str, Snapshot] = OrderedDict()

    def version(self, *, folder: Path, snapshot_file: str, delta_file: str | None) -> VersionIndex:
        """The index of one version (snapshot file plus optional delta file), loading it once."""
        key = (str(folder / snapshot_file), delta_file or "")
        with self._lock:
            found = self._versions.get(key)
            if found is not None:
                self._versions.move_to_end(key)
                return found
        snapshot = self._snapshot(folder / snapshot_file)
        empty = np.zeros(0, np.int64)
        added, removed = read_delta(folder / delta_file) if delta_file else (empty, empty)
        loaded = VersionIndex(snapshot, added, removed)
        with self._lock:
            self._versions[key] = loaded
            while len(self._versions) > self.keep:
                self._versions.popitem(last=False)
        return loaded

    def _snapshot(self, path: Path) -> Snapshot:
        key = str(path)
        with self._lock:
            found = self._snapshots.get(key)
            if found is not None:
                self._snapshots.move_to_end(key)
                return found
        loaded = Snapshot(path)
        with self._lock:
            self._snapshots[key] = loaded
            while len(self._snapshots) > self.keep:
                self._snapshots.popitem(last=False)
        return loaded

    def clear(self) -> None:
        with self._lock:
            self._versions.clear()
            self._snapshots.clear()


CACHE = IndexCache()
