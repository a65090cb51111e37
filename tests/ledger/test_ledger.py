"""The ledger proves every record: untouched data verifies, any change behind its back is named."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from callkeep.auth import service as auth_service
from callkeep.auth.models import ApiToken
from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger


def _tokens(rt: Runtime, count: int) -> list[str]:
    ids = []
    with rt.db.transaction() as s:
        for i in range(count):
            token, _ = auth_service.create_token(
                session=s, actor="alice", name=f"t{i}", role="agent"
            )
            ids.append(token.id)
    return ids


def _verify(rt: Runtime):
    with rt.db.transaction(read_only=True) as s:
        return ledger.verify(session=s)


def test_untouched_database_verifies(rt: Runtime) -> None:
    _tokens(rt, 5)
    report = _verify(rt)
    assert report.intact, report.problems
    assert report.entries == 5 and report.records == 5 and report.head_seq == 5


def test_row_edited_behind_the_back_is_named(rt: Runtime) -> None:
    ids = _tokens(rt, 3)
    with rt.db.engine.begin() as conn:
        conn.execute(text("UPDATE api_tokens SET name = 'evil' WHERE id = :id"), {"id": ids[1]})
    report = _verify(rt)
    assert not report.intact
    assert [(p.kind, p.entity_id) for p in report.problems] == [("record_altered", ids[1])]


def test_row_inserted_behind_the_back_is_named(rt: Runtime) -> None:
    _tokens(rt, 1)
    with rt.db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO api_tokens (id, recorded_at, recorded_by, name, role, token_hash) "
                "VALUES ('zzzz', '2026-01-01 00:00:00', 'x', 'n', 'admin', 'h')"
            )
        )
    report = _verify(rt)
    assert [(p.kind, p.entity_id) for p in report.problems] == [("record_inserted", "zzzz")]


def test_row_deleted_behind_the_back_is_named(rt: Runtime) -> None:
    ids = _tokens(rt, 2)
    with rt.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM api_tokens WHERE id = :id"), {"id": ids[0]})
    report = _verify(rt)
    assert [(p.kind, p.entity_id) for p in report.problems] == [("record_deleted", ids[0])]


def test_ledger_entry_edited_breaks_the_chain(rt: Runtime) -> None:
    _tokens(rt, 3)
    with rt.db.engine.begin() as conn:
        conn.execute(text("UPDATE ledger_entries SET actor = 'mallory' WHERE seq = 2"))
    report = _verify(rt)
    assert not report.intact
    assert {p.kind for p in report.problems} == {"chain_broken"}
    assert report.problems[0].seq == 2


def test_concurrent_writers_keep_one_unbroken_chain(rt: Runtime) -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                with rt.db.transaction() as s:
                    auth_service.create_token(
                        session=s, actor=f"w{n}", name=f"{n}-{i}", role="agent"
                    )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    report = _verify(rt)
    assert report.intact, report.problems
    assert report.entries == 40


def test_bulk_records_verify(rt: Runtime) -> None:
    with rt.db.transaction() as s:
        ledger.record_many(
            session=s,
            actor="bulk",
            model=ApiToken,
            rows=[
                {"name": f"b{i}", "role": "dialer", "token_hash": f"{i:064d}"} for i in range(50)
            ],
        )
    report = _verify(rt)
    assert report.intact and report.records == 50


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(names=st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=8), data=st.data())
def test_any_single_altered_byte_is_detected(
    rt: Runtime, names: list[str], data: st.DataObject
) -> None:
    with rt.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_entries"))
        conn.execute(text("DELETE FROM api_tokens"))
    with rt.db.transaction() as s:
        for name in names:
            auth_service.create_token(session=s, actor="prop", name=name, role="agent")
    assert _verify(rt).intact
    path = rt.settings.database_url.removeprefix("sqlite:///")
    con = sqlite3.connect(path)
    rows = con.execute("SELECT id, name FROM api_tokens").fetchall()
    victim_id, victim_name = data.draw(st.sampled_from(rows))
    raw = bytearray(victim_name.encode())
    pos = data.draw(st.integers(0, len(raw) - 1))
    raw[pos] = (raw[pos] + data.draw(st.integers(1, 255))) % 256
    con.execute("UPDATE api_tokens SET name = ? WHERE id = ?", (bytes(raw), victim_id))
    con.commit()
    con.close()
    report = _verify(rt)
    assert not report.intact
    assert any(p.entity_id == victim_id for p in report.problems)
