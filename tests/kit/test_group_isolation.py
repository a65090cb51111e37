"""A group commit never loses a good item for a bad one: when the database refuses one item's
row, the others of its group are stored and answered, and the bad one gets its own refusal."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from callkeep.errors import InvalidInput
from callkeep.kit.batches import GroupCommit
from callkeep.kit.db import Database
from callkeep.kit.runtime import Runtime

TOO_BIG = 2**70  # past every engine's integer: SQLite's driver and PostgreSQL both refuse it


@pytest.fixture
def probe(rt: Runtime) -> Iterator[Database]:
    """The runtime's database with a scratch table of numbers."""
    with rt.db.transaction() as session:
        session.execute(text("CREATE TABLE isolation_probe (n BIGINT NOT NULL)"))
    yield rt.db
    with rt.db.transaction() as session:
        session.execute(text("DROP TABLE isolation_probe"))


def _insert_each(session: Session, items: list[int]) -> list[int | Exception]:
    for n in items:  # the row goes to the database as given: no check before
        session.execute(text("INSERT INTO isolation_probe (n) VALUES (:n)"), {"n": n})
    return list(items)


async def _submit_at_once(db: Database, items: list[int]) -> list[int | BaseException]:
    writer: GroupCommit[int, int] = GroupCommit(db, _insert_each)
    return list(await asyncio.gather(*(writer.submit(n) for n in items), return_exceptions=True))


def _stored(db: Database) -> list[int]:
    with db.transaction(read_only=True) as session:
        return sorted(session.scalars(text("SELECT n FROM isolation_probe")))


def test_a_row_the_database_refuses_is_answered_alone_and_the_rest_are_stored(
    probe: Database,
) -> None:
    items = list(range(1, 21))
    items[13] = TOO_BIG
    outcomes = asyncio.run(_submit_at_once(probe, items))
    refused = [i for i, o in enumerate(outcomes) if isinstance(o, BaseException)]
    assert refused == [13]
    assert isinstance(outcomes[13], InvalidInput)
    assert outcomes[13].status_code == 422
    assert _stored(probe) == sorted(n for n in items if n != TOO_BIG)


def test_several_bad_rows_in_one_group_are_each_refused_alone(probe: Database) -> None:
    items = [TOO_BIG if i in (0, 7, 8, 31) else i for i in range(40)]
    outcomes = asyncio.run(_submit_at_once(probe, items))
    assert [i for i, o in enumerate(outcomes) if isinstance(o, InvalidInput)] == [0, 7, 8, 31]
    assert [o for o in outcomes if not isinstance(o, BaseException)] == [
        n for n in items if n != TOO_BIG
    ]
    assert _stored(probe) == sorted(n for n in items if n != TOO_BIG)
