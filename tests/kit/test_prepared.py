"""Prepared statements return exactly what SQLAlchemy returns for the same statement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, func, select

from callkeep.kit.runtime import Runtime
from callkeep.kit.sql import Prepared
from callkeep.ledger import service as ledger
from callkeep.ledger.models import LedgerEntry


def _things(rt: Runtime, count: int) -> None:
    """Ledger entries t0, t1, … of entity type "things", committed."""
    with rt.db.transaction() as session:
        ledger.append_many(
            session=session,
            actor="test",
            action="create",
            items=[("things", f"t{i}", f"{i:064x}") for i in range(count)],
        )


def test_a_prepared_select_binds_and_returns_values_as_the_orm_does(rt: Runtime) -> None:
    _things(rt, 3)
    statement = (
        select(LedgerEntry.seq, LedgerEntry.at, LedgerEntry.entity_id, func.count().over())
        .where(
            LedgerEntry.at <= bindparam("at"),
            LedgerEntry.entity_type == "things",
            LedgerEntry.entity_id != bindparam("skip"),
        )
        .order_by(LedgerEntry.seq)
    )
    prepared = Prepared(statement)
    later = datetime.now(UTC) + timedelta(minutes=1)
    with rt.db.transaction(read_only=True) as session:
        expected = [tuple(r) for r in session.execute(statement, {"at": later, "skip": "t1"})]
        got = prepared.rows(session, {"at": later, "skip": "t1"})
        got_again = prepared.rows(session, {"at": later, "skip": "t1"})
        earlier = prepared.first(session, {"at": later - timedelta(days=1), "skip": "t1"})
    assert got == expected == got_again
    assert [r[2] for r in got] == ["t0", "t2"]
    assert got[0][1].tzinfo is UTC
    assert earlier is None


def test_a_prepared_statement_takes_lists_for_in_as_sqlalchemy_does(rt: Runtime) -> None:
    _things(rt, 5)
    with rt.db.transaction(read_only=True) as session:
        times = [r[0] for r in session.execute(select(LedgerEntry.at).limit(1))]
    statement = (
        select(LedgerEntry.entity_id, LedgerEntry.at)
        .where(
            LedgerEntry.entity_type == bindparam("kind"),
            LedgerEntry.entity_id.in_(bindparam("ids", expanding=True)),
            LedgerEntry.at.in_(bindparam("times", expanding=True)),  # a type with a processor
        )
        .order_by(LedgerEntry.seq)
    )
    prepared = Prepared(statement)
    asked = [[], ["t1"], ["t3", "t0"], ["t4", "nothing", "t2"], ["t1"], ["t2", "t0"]]
    with rt.db.transaction(read_only=True) as session:
        for ids in asked:
            params = {"kind": "things", "ids": ids, "times": times}
            expected = [tuple(r) for r in session.execute(statement, params)]
            assert prepared.rows(session, params) == expected
            assert {r[0] for r in expected} == set(ids) - {"nothing"}
        assert prepared.rows(session, {"kind": "things", "ids": ["t1"], "times": []}) == []
    # one statement kept per count of values: the repeated counts reused theirs
    assert len(prepared._expansions) == 5


def test_a_prepared_statement_runs_in_the_transaction_of_its_session(rt: Runtime) -> None:
    count = Prepared(select(func.count()).select_from(LedgerEntry))
    with rt.db.transaction() as session:
        before = count.rows(session)[0][0]
        ledger.append_many(
            session=session, actor="test", action="create", items=[("things", "t", "0" * 64)]
        )
        assert count.rows(session)[0][0] == before + 1  # its own uncommitted write
        session.commit()  # the session carries on in a new transaction, maybe on a new connection
        ledger.append_many(
            session=session, actor="test", action="create", items=[("things", "u", "1" * 64)]
        )
        assert count.rows(session)[0][0] == before + 2
        session.rollback()
        assert count.rows(session)[0][0] == before + 1
    with rt.db.transaction(read_only=True) as session:
        assert count.rows(session)[0][0] == before + 1
