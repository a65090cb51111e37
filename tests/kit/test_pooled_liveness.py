"""A pooled PostgreSQL connection that the server ended is replaced before use, without the
round trip of a ping: the next transaction works as if nothing had happened."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from callkeep.kit.db import Database


def test_a_connection_the_server_ended_is_replaced_before_use(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's pooled connections")
    db = Database(database_url)
    try:
        with db.transaction() as session:
            first = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:  # waits until the backend has gone
            ended = conn.execute(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": first})
            assert ended.scalar_one() is True
        admin.dispose()
        # the pool holds that one connection alone: it is the one handed out next
        with db.transaction() as session:
            again = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            assert session.execute(text("SELECT 1")).scalar_one() == 1
        assert again != first
    finally:
        db.dispose()
