"""What a group commit of checks costs PostgreSQL in round trips, counted on the wire (libpq's
trace of the messages the client sends): each one is a wait for the server, and under load a
wake-up of a backend and of the writer's thread."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from callkeep.checks import service
from callkeep.checks.schemas import CheckIn
from tests.checks.conftest import ME_NUMBER, World
from tests.checks.test_fast_paths import CALLED, _seed_facts

# Messages after which the client waits for the server: a simple query, the end of an extended
# query (Sync), the end of a COPY's rows.
_WAITS = ("Query", "Sync", "CopyDone")


def _round_trips(world: World, checks: list[CheckIn], trace: Path) -> list[str]:
    with world.rt.db.transaction() as session:
        driver = session.connection().connection.driver_connection
        out = os.open(trace, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        driver.pgconn.trace(out)
        try:
            service.decide_and_store(session, [("test", c) for c in checks])
            session.commit()
        finally:
            driver.pgconn.untrace()
            os.close(out)
    sent = [line.split("\t") for line in trace.read_text().splitlines()]
    return [fields[3] for fields in sent if len(fields) > 3 and fields[1] == "F"]


def test_a_group_of_checks_waits_for_postgresql_seven_times_whatever_its_size(
    world: World, tmp_path: Path
) -> None:
    """BEGIN, the caches' stamps (one statement), the records' facts, the seller's own list
    (its entries and its label in one statement), the append lock with the ledger head, the
    decisions and their ledger entries (both tables' INSERTs in one pipeline), COMMIT."""
    if world.rt.db.is_sqlite:
        pytest.skip("round trips are PostgreSQL's")
    world.import_list("national", [ME_NUMBER, CALLED], as_of=date(2026, 7, 1))
    _seed_facts(world)
    _round_trips(world, [CheckIn(phone=ME_NUMBER)], tmp_path / "warm.txt")  # caches filled
    one = _round_trips(world, [CheckIn(phone=ME_NUMBER)], tmp_path / "one.txt")
    several = [CheckIn(phone=p) for p in (ME_NUMBER, CALLED, "+12075550199", "+12075550177")]
    four = _round_trips(world, several, tmp_path / "four.txt")
    assert sum(message in _WAITS for message in one) == 7, one
    assert sum(message in _WAITS for message in four) == 7, four
