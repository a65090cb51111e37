"""The bulk road stores exactly what the ORM stores, and refuses what the database refuses."""

from __future__ import annotations

import weakref
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callkeep.kit.db import UTCDateTime
from callkeep.kit.sqlalchemy_private import bind_processor
from callkeep.ledger import inserts
from callkeep.ledger import service as ledger
from callkeep.records import models as m


def _call(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "telemarketer_name": "Claire",
        "seller_id": "01seller",
        "subject": "heat pumps",
        "consumer_or_business": "consumer",
        "outbound": True,
        "prerecorded": False,
        "manual_dial": False,
        "calling_number": "+12077840100",
        "called_number": "+12077841234",
        "started_at": datetime(2026, 7, 4, 13, 0, 5, tzinfo=UTC),
        "duration_seconds": 95,
        "caller_id_number": "+12077840100",
        "disposition": "answered_person",
        "notes": "asked about rebates, café",
        "external_call_id": "vici-1",
    }
    row.update(changes)
    return row


def _stored(session: Session, call_id: str) -> dict[str, Any]:
    found = session.execute(text("SELECT * FROM calls WHERE id = :id"), {"id": call_id})
    return dict(found.mappings().one())


def test_a_bulk_row_is_stored_as_the_orm_stores_the_same_call(session: Session) -> None:
    now = datetime(2026, 7, 4, 14, 0, tzinfo=UTC)
    [bulk_id] = ledger.record_many(
        session=session,
        actor="import",
        model=m.Call,
        rows=[_call(recorded_at=now)],
    )
    orm = m.Call(**_call(external_call_id="vici-2"), recorded_at=now, recorded_by="import")
    ledger.record(session=session, actor="import", entity=orm)
    bulk, single = _stored(session, bulk_id), _stored(session, orm.id)
    differing = {k for k in bulk if bulk[k] != single[k]}
    assert differing == {"id", "external_call_id", "notes"}  # notes: each has its own nonce
    session.expire_all()
    read = session.scalars(select(m.Call).where(m.Call.id == bulk_id)).one()
    assert read.notes == "asked about rebates, café" and read.outbound is True
    assert read.started_at == datetime(2026, 7, 4, 13, 0, 5, tzinfo=UTC)
    assert ledger.verify(session=session).intact


def test_a_bulk_row_repeating_a_unique_key_is_an_integrity_error(session: Session) -> None:
    ledger.record_many(session=session, actor="import", model=m.Call, rows=[_call()])
    with pytest.raises(IntegrityError):
        ledger.record_many(
            session=session, actor="import", model=m.Call, rows=[_call(started_at=None)]
        )


def test_bulk_rows_take_only_their_columns_and_fill_id_time_and_author(session: Session) -> None:
    ids = ledger.record_many(
        session=session,
        actor="import",
        model=m.Call,
        rows=[_call(external_call_id=f"x-{i}", not_a_column="ignored") for i in range(100)],
    )
    assert len(set(ids)) == 100
    stored = session.scalars(select(m.Call).where(m.Call.id.in_(ids))).all()
    assert {c.recorded_by for c in stored} == {"import"}
    assert all(c.recorded_at is not None for c in stored)
    report = ledger.verify(session=session)
    assert report.intact and report.entries == 100


@given(
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=-4)), None]),
    )
)
def test_the_short_road_for_utc_instants_binds_what_sqlalchemy_binds(moment: datetime) -> None:
    processor = bind_processor(UTCDateTime(), sqlite.dialect())
    assert processor is not None
    short = inserts._utc_instant_on_sqlite(processor)
    if moment.tzinfo is None:
        with pytest.raises(ValueError):
            short(moment)
        return
    assert short(moment) == processor(moment)


def _collected_on_its_own() -> bool:
    """Whether a reference cycle made now is freed by the process without a `gc.collect()`."""

    class Node:
        partner: Any = None

    first, second = Node(), Node()
    first.partner, second.partner = second, first
    gone = weakref.ref(first)
    del first, second
    for _ in range(200):  # allocations are what make the collector run on its own
        [[] for _ in range(1_000)]
        if gone() is None:
            return True
    return False


def test_a_large_batch_that_fails_leaves_the_process_collecting_cycles(session: Session) -> None:
    assert _collected_on_its_own()  # the control: this process collects on its own
    rows = [_call(external_call_id=f"x-{i}", id="01same") for i in range(2_000)]
    with pytest.raises(IntegrityError):
        ledger.record_many(session=session, actor="import", model=m.Call, rows=rows)
    session.rollback()
    assert _collected_on_its_own()
    stored = ledger.record_many(
        session=session,
        actor="import",
        model=m.Call,
        rows=[_call(external_call_id=f"y-{i}") for i in range(2_000)],
    )
    assert len(stored) == 2_000
    assert _collected_on_its_own()


_CALL_KEYS = [c.key for c in m.Call.__table__.columns]


@given(
    st.lists(
        st.dictionaries(st.sampled_from(_CALL_KEYS), st.sampled_from([None, 0, "x"])),
        min_size=1,
        max_size=6,
    )
)
def test_the_columns_left_out_are_those_null_in_every_row(rows: list[dict[str, Any]]) -> None:
    table = m.Call.__table__
    leavable = [c.key for c in table.columns if c.server_default is None and not c.primary_key]
    expected = {key for key in leavable if all(row.get(key) is None for row in rows)}
    assert inserts._null_everywhere(table, rows) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("count", [1, 2, inserts._PIPELINED_MOST // 2, 200])
def test_every_road_stores_the_rows_and_entries_the_orm_would(session: Session, count: int) -> None:
    """A few rows and their entries go together (one pipeline on PostgreSQL), many by COPY:
    each row is stored as given, each entry chained, whatever the road."""
    now = datetime(2026, 7, 4, 14, 0, tzinfo=UTC)
    rows = [
        _call(external_call_id=f"n-{i}", duration_seconds=i, recorded_at=now) for i in range(count)
    ]
    ids = ledger.record_many(session=session, actor="import", model=m.Call, rows=rows)
    stored = {c.id: c for c in session.scalars(select(m.Call).where(m.Call.id.in_(ids)))}
    assert [stored[i].duration_seconds for i in ids] == list(range(count))
    assert {stored[i].notes for i in ids} == {"asked about rebates, café"}
    assert all(stored[i].started_at == datetime(2026, 7, 4, 13, 0, 5, tzinfo=UTC) for i in ids)
    report = ledger.verify(session=session)
    assert report.intact and report.entries == count


@pytest.mark.parametrize("count", [1, 3, 200])
def test_rows_the_database_refuses_leave_the_ledger_head_where_it_was(
    session: Session, count: int
) -> None:
    """A write refused in the middle (its last row repeats a unique key) stores nothing, and the
    next write in the same transaction chains from the last entry really stored."""
    ledger.record_many(session=session, actor="import", model=m.Call, rows=[_call()])
    refused = [_call(external_call_id=f"r-{i}") for i in range(count - 1)] + [_call()]
    with pytest.raises(IntegrityError), session.begin_nested():
        ledger.record_many(session=session, actor="import", model=m.Call, rows=refused)
    ledger.record_many(
        session=session, actor="import", model=m.Call, rows=[_call(external_call_id="after")]
    )
    report = ledger.verify(session=session)
    assert report.intact and report.entries == 2
    assert session.scalar(select(func.count()).select_from(m.Call)) == 2
