"""`kit.db.unmapped_reads`: SQLite's mapping of the file is off within it and back after it, and
the compliance report reads through it (so a report over a large database does not leave the
file resident); on PostgreSQL it changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from callkeep.kit.db import unmapped_reads
from callkeep.kit.runtime import Runtime
from callkeep.reports import compliance

MAPPED = 1 << 30


def _mapped(session: Session) -> int | None:
    if session.get_bind().dialect.name != "sqlite":
        return None
    return int(session.execute(text("PRAGMA mmap_size")).scalar_one())


def test_the_mapping_is_off_within_and_back_after(rt: Runtime) -> None:
    sqlite = rt.db.engine.dialect.name == "sqlite"
    with rt.db.transaction() as session:
        assert _mapped(session) == (MAPPED if sqlite else None)
        with unmapped_reads(session):
            assert _mapped(session) == (0 if sqlite else None)
            assert session.execute(text("SELECT 1")).scalar_one() == 1
        assert _mapped(session) == (MAPPED if sqlite else None)


def test_back_after_an_error_too(rt: Runtime) -> None:
    with rt.db.transaction() as session:
        with pytest.raises(RuntimeError), unmapped_reads(session):
            raise RuntimeError("stop")
        if rt.db.engine.dialect.name == "sqlite":
            assert _mapped(session) == MAPPED


def test_the_report_reads_unmapped(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int | None] = []
    scan = compliance._scan

    def watched(session: Session, scope: compliance.Period) -> Any:
        seen.append(_mapped(session))
        return scan(session, scope)

    monkeypatch.setattr(compliance, "_scan", watched)
    with rt.db.transaction() as session:
        scope = compliance.period(
            session=session,
            date_from=date(2026, 11, 2),
            date_to=date(2026, 11, 30),
            seller=None,
            campaign=None,
        )
        report = compliance.build(session=session, actor="test", scope=scope)
        after = _mapped(session)
    assert report["calls"] == 0
    sqlite = rt.db.engine.dialect.name == "sqlite"
    assert seen == [0 if sqlite else None]
    assert after == (MAPPED if sqlite else None)
