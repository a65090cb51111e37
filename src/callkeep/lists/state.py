"""The working state of an import: every number of one list as a bitmap per area code.

Each area code's 10 M subscriber numbers are one bit each (1.25 MB); rows are created on first
use and an import adds, removes and compares whole rows with numpy.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

SUBSCRIBERS = 10_000_000
ROW_BYTES = SUBSCRIBERS // 8

Numbers = npt.NDArray[np.int64]


class ListState:
    """Every number of one list as a bitmap per area code, for building a version."""

    def __init__(self) -> None:
        self.rows: dict[int, npt.NDArray[np.uint8]] = {}
        # rows this state shares with another (or maps read-only): copied before a write
        self._shared: set[int] = set()

    def copy(self) -> ListState:
        """A state with the same numbers; rows are shared until either side writes one."""
        twin = ListState()
        twin.rows = dict(self.rows)
        twin._shared = set(self.rows)
        self._shared |= set(self.rows)
        return twin

    def share(self, npa: int, row: npt.NDArray[np.uint8]) -> None:
        """Uses `row` (e.g. a read-only mapped snapshot row) without copying it."""
        self.rows[npa] = row
        self._shared.add(npa)

    def row(self, npa: int) -> npt.NDArray[np.uint8]:
        """One area code's row, ready to be written."""
        found = self.rows.get(npa)
        if found is None:
            found = self.rows[npa] = np.zeros(ROW_BYTES, dtype=np.uint8)
        elif npa in self._shared:
            found = self.rows[npa] = np.array(found, dtype=np.uint8)
            self._shared.discard(npa)
        return found

    def _grouped(self, numbers: Numbers) -> list[tuple[int, Numbers]]:
        ordered = np.sort(numbers)
        npas = ordered // SUBSCRIBERS
        cuts = np.flatnonzero(np.diff(npas)) + 1
        return [
            (int(part[0] // SUBSCRIBERS), part - int(part[0] // SUBSCRIBERS) * SUBSCRIBERS)
            for part in np.split(ordered, cuts)
            if part.size
        ]

    @staticmethod
    def _bytes_and_bits(
        subscribers: Numbers,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
        byte = subscribers >> 3
        bits = (np.uint8(1) << (subscribers & 7).astype(np.uint8)).astype(np.uint8)
        cuts = np.flatnonzero(np.diff(byte)) + 1
        starts = np.concatenate(([0], cuts)).astype(np.int64)
        return byte[starts], np.bitwise_or.reduceat(bits, starts)

    def add(self, numbers: Numbers) -> None:
        """Puts `numbers` on the list."""
        if numbers.size == 0:
            return
        for npa, subscribers in self._grouped(numbers):
            where, bits = self._bytes_and_bits(subscribers)
            row = self.row(npa)
            row[where] |= bits

    def remove(self, numbers: Numbers) -> int:
        """Takes `numbers` off the list; returns how many of them were on it."""
        present = 0
        if numbers.size == 0:
            return 0
        for npa, subscribers in self._grouped(np.unique(numbers)):
            if npa not in self.rows:
                continue
            where, bits = self._bytes_and_bits(subscribers)
            on_list = int(np.bitwise_count(self.rows[npa][where] & bits).sum())
            if on_list:
                present += on_list
                row = self.row(npa)
                row[where] &= ~bits
        return present

    def clear_area_codes(self, npas: set[int]) -> None:
        for npa in npas:
            self.rows.pop(npa, None)
            self._shared.discard(npa)

    def counts(self) -> dict[int, int]:
        """Numbers per area code (area codes with none left out)."""
        found = {npa: _popcount(row) for npa, row in self.rows.items()}
        return {npa: count for npa, count in sorted(found.items()) if count}

    def change_counts(self, previous: ListState) -> tuple[int, int]:
        """How many numbers this state has that `previous` lacks, and the other way round."""
        added = removed = 0
        for npa in set(self.rows) | set(previous.rows):
            mine = self.rows.get(npa)
            theirs = previous.rows.get(npa)
            if mine is None and theirs is not None:
                removed += _popcount(theirs)
            elif theirs is None and mine is not None:
                added += _popcount(mine)
            elif mine is not None and theirs is not None and mine is not theirs:
                added += _popcount(mine & ~theirs)
                removed += _popcount(theirs & ~mine)
        return added, removed

    def size(self) -> int:
        return sum(self.counts().values())

    def difference(self, other: ListState) -> Numbers:
        """The numbers in this state and not in `other`, sorted."""
        parts = []
        for npa in sorted(self.rows):
            mine = self.rows[npa]
            theirs = other.rows.get(npa)
            if theirs is mine:
                continue
            only = mine if theirs is None else mine & ~theirs
            parts.append(row_numbers(only, npa))
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def _popcount(row: npt.NDArray[np.uint8]) -> int:
    return int(np.bitwise_count(row.view(np.uint64)).sum(dtype=np.int64))


def row_numbers(row: npt.NDArray[np.uint8], npa: int) -> Numbers:
    """The 10-digit numbers whose bits are set in one area code's row, sorted."""
    words = np.flatnonzero(row.view(np.uint64))
    if words.size == 0:
        return np.zeros(0, np.int64)
    in_words = row.reshape(-1, 8)[words].ravel()
    which = np.flatnonzero(in_words)
    byte = words[which >> 3].astype(np.int64) * 8 + (which & 7)
    bits = np.flatnonzero(np.unpackbits(in_words[which], bitorder="little"))
    found: Numbers = (byte[bits >> 3] * 8 + (bits & 7)) + npa * SUBSCRIBERS
    return found
