"""A token the server has not seen yet is read from the database off the event loop; one it
knows is answered from memory, and a revoked one is refused at once."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from sqlalchemy import event, select

from callkeep.auth import service
from callkeep.auth.models import ApiToken
from callkeep.errors import AuthenticationRequired
from callkeep.kit.runtime import Runtime


def _reads_on_threads(rt: Runtime, secret: str) -> tuple[int, list[int], str]:
    """The event loop's thread, the threads the database was read on, and the actor."""
    threads: list[int] = []

    def noted(*_args: Any) -> None:
        threads.append(threading.get_ident())

    async def look_up() -> tuple[int, str]:
        principal = await service.authenticate_token_soon(db=rt.db, secret=secret)
        return threading.get_ident(), principal.actor

    event.listen(rt.db.engine, "before_cursor_execute", noted)
    try:
        loop_thread, actor = asyncio.run(look_up())
    finally:
        event.remove(rt.db.engine, "before_cursor_execute", noted)
    return loop_thread, threads, actor


def test_an_unknown_token_is_read_from_the_database_off_the_event_loop(
    rt: Runtime, tokens: dict[str, str]
) -> None:
    service.forget_cached_tokens()
    loop_thread, threads, actor = _reads_on_threads(rt, tokens["dialer"])
    assert actor.startswith("token:")
    assert threads, "the unknown token was read from the database"
    assert loop_thread not in threads


def test_a_known_token_is_answered_without_reading_the_database(
    rt: Runtime, tokens: dict[str, str]
) -> None:
    service.forget_cached_tokens()
    first = service.authenticate_token_cached(db=rt.db, secret=tokens["dialer"])
    _, threads, actor = _reads_on_threads(rt, tokens["dialer"])
    assert threads == []
    assert actor == first.actor


def test_a_stranger_and_a_revoked_token_are_refused_on_the_event_loop_path(
    rt: Runtime, tokens: dict[str, str]
) -> None:
    with pytest.raises(AuthenticationRequired, match="unknown API token"):
        asyncio.run(service.authenticate_token_soon(db=rt.db, secret="ck_nobody"))
    with rt.db.transaction(read_only=True) as session:
        token_id = session.scalar(
            select(ApiToken.id).where(ApiToken.token_hash == service.token_digest(tokens["dialer"]))
        )
    assert token_id is not None
    with rt.db.transaction() as session:
        service.revoke_token(session=session, actor="test", token_id=token_id)
    with pytest.raises(AuthenticationRequired, match="revoked"):
        asyncio.run(service.authenticate_token_soon(db=rt.db, secret=tokens["dialer"]))
