"""The calls before the moments being re-decided: what a number's `calls_24h` and
`completed_calls_8h` count, kept as a sliding window that is read in start order."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from sys import intern
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from callkeep.records import service as records

DAY = timedelta(hours=24)
EIGHT_HOURS = timedelta(hours=8)
SECOND = timedelta(seconds=1)
COMPLETED = frozenset({"answered_person", "transferred"})  # as the facts count them
_PAGE = 5000
_WINDOW_COLUMNS = (
    records.Call.id,
    records.Call.seller_id,
    records.Call.called_number,
    records.Call.subject,
    records.Call.outbound,
    records.Call.disposition,
    records.Call.started_at,
    records.Call.contact_id,
)


@dataclass(slots=True)
class _Counted:
    """One call the window holds: a day of a busy floor's calls can be held, so each is small
    (slots; the seller's id and the subject shared by the calls that name them)."""

    key: tuple[str, str]  # (seller, number)
    recorded_start: datetime
    start: datetime | None
    outbound: bool
    subject: str | None
    completed: bool


class CallWindow:
    """The calls of the last 24 hours (and a second) before the moments being decided, per
    (seller, number), read in (start, id) order as the moments advance: what the facts'
    `calls_24h` and `completed_calls_8h` count, amendments applied as the facts apply them."""

    def __init__(self, session: Session, seller_id: str | None, since: datetime) -> None:
        self.session = session
        self.seller_id = seller_id
        self.cursor: tuple[datetime, str | None] = (since, None)
        self.read_to = since
        self.calls: dict[tuple[str, str], list[_Counted]] = {}  # a number's calls, in order
        self.order: deque[_Counted] = deque()  # every call held, in (recorded start, id) order
        self.moved: set[tuple[str, str]] = set()  # numbers a call was amended to or from

    def advance(self, until: datetime) -> None:
        """Reads every call started (as recorded) up to and including `until`."""
        while self.read_to < until:
            start, last_id = self.cursor
            after = (
                records.Call.started_at > start
                if last_id is None
                else or_(
                    records.Call.started_at > start,
                    and_(records.Call.started_at == start, records.Call.id > last_id),
                )
            )
            query = select(*_WINDOW_COLUMNS).where(after, records.Call.started_at <= until)
            if self.seller_id:
                query = query.where(records.Call.seller_id == self.seller_id)
            query = query.order_by(records.Call.started_at, records.Call.id).limit(_PAGE)
            rows = [row._asdict() for row in self.session.execute(query)]
            if not rows:
                self.read_to = until
                break
            self.cursor = (rows[-1]["started_at"], rows[-1]["id"])
            self._add(rows)
            if len(rows) < _PAGE:
                self.read_to = until

    def _add(self, rows: list[dict[str, Any]]) -> None:
        views = {row["id"]: dict(row) for row in rows}
        records.current_views(session=self.session, target_type="calls", views=views)
        self.feed(rows, [views[row["id"]] for row in rows])

    def feed(self, rows: list[dict[str, Any]], views: list[dict[str, Any]]) -> None:
        """Counts calls read elsewhere: `rows` as recorded, in (start, id) order and after every
        call counted so far, and their current `views` in the same order."""
        for row, view in zip(rows, views, strict=True):
            seller = row["seller_id"]
            number = view["called_number"]
            if number != row["called_number"]:
                for moved in (row["called_number"], number):
                    if moved:
                        self.moved.add((seller, moved))
            if not number:
                continue
            key = (intern(seller), number)
            subject = view["subject"]
            counted = _Counted(
                key=key,
                recorded_start=row["started_at"],
                start=view["started_at"],
                outbound=bool(view["outbound"]),
                subject=None if subject is None else intern(subject),
                completed=view["disposition"] in COMPLETED,
            )
            held = self.calls.get(key)
            if held is None:
                self.calls[key] = [counted]
            else:
                held.append(counted)
            self.order.append(counted)
        if rows:
            self.cursor = (rows[-1]["started_at"], rows[-1]["id"])
            self.read_to = max(self.read_to, rows[-1]["started_at"])

    def forget_before(self, moment: datetime) -> None:
        """Drops the calls no decision at or after `moment` (or a second before) counts."""
        edge = moment - DAY - SECOND
        while self.order and self.order[0].recorded_start <= edge:
            key = self.order.popleft().key
            held = self.calls[key]
            del held[0]  # the number's first call is the window's first
            if not held:
                del self.calls[key]

    def counts(
        self, seller_id: str, phone: str, at: datetime, subject: str | None
    ) -> tuple[int, int]:
        """(calls in the 24 hours to `at` on `subject`, completed calls in the 8 hours to `at`)."""
        since, eight = at - DAY, at - EIGHT_HOURS
        calls = completed = 0
        for call in self.calls.get((seller_id, phone), ()):
            if not since < call.recorded_start <= at:
                continue
            if not call.outbound or call.start is None or not since < call.start <= at:
                continue
            if call.completed and eight < call.start:
                completed += 1
            if subject is None or call.subject == subject:
                calls += 1
        return calls, completed
