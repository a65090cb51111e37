"""Where a group commit's time goes: a probe of each stage, off unless asked for.

With ``CALLKEEP_STAGE_PROBE`` set to a file's path, every group written by a
`kit.batches.GroupCommit` is timed stage by stage with `time.perf_counter_ns` (queued → taken →
on its writer's thread → decided → append lock → ledger head → inserted → committed → back on
the event loop → each request woken) and one line per group, JSON, is appended to that file
(buffered, a few hundred groups a write). `bench/check_api.py` sets it and prints the
percentiles of each stage. Unset, each mark is one test of a module constant.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
import time
from typing import Any

_PATH = os.environ.get("CALLKEEP_STAGE_PROBE", "")
ON = bool(_PATH)
_FLUSH_EVERY = 200

_current = threading.local()
_lines: list[str] = []
_lines_lock = threading.Lock()


class Group:
    """The marks of one group: stage name → nanoseconds (perf_counter_ns)."""

    __slots__ = ("marks", "queued", "size", "woken")

    def __init__(self, size: int, queued: list[int]) -> None:
        self.size = size
        self.queued = queued
        self.marks: dict[str, int] = {"taken": time.perf_counter_ns()}
        self.woken: list[int] = []

    def mark(self, name: str) -> None:
        self.marks.setdefault(name, time.perf_counter_ns())

    def done(self) -> None:
        """The group's line, relative to its taking, in microseconds."""
        t0 = self.marks["taken"]
        line: dict[str, Any] = {
            "t0": t0,
            "size": self.size,
            "queued": [(t0 - q) // 1000 for q in self.queued],
            "woken": [(w - t0) // 1000 for w in self.woken],
        }
        line.update({name: (ns - t0) // 1000 for name, ns in self.marks.items()})
        with _lines_lock:
            _lines.append(json.dumps(line))
            if len(_lines) >= _FLUSH_EVERY:
                _flush_locked()


def enter(group: Group | None) -> None:
    """Makes `group` the one the marks of this thread go to (None: none)."""
    _current.group = group


def mark(name: str) -> None:
    """Marks stage `name` of the group this thread is writing, if probed."""
    if ON:
        group: Group | None = getattr(_current, "group", None)
        if group is not None:
            group.mark(name)


def now() -> int:
    return time.perf_counter_ns()


def _flush_locked() -> None:
    if _lines:
        with open(_PATH, "a", encoding="utf-8") as out:
            out.write("\n".join(_lines) + "\n")
        _lines.clear()


def flush() -> None:
    """Writes the lines not yet written."""
    if ON:
        with _lines_lock:
            _flush_locked()


if ON:
    atexit.register(flush)
