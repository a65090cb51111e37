"""The check's own lane: `POST /api/v1/checks` answered before the framework's stack.

A dialer asks before every dial, so this one request is served with as little as possible
between the socket and the decision: no middleware chain, routing, dependency solving or
response classes. The lane takes a request only when it is plainly well-formed: a JSON body
within the size limit, a known token whose role may check, a valid `CheckIn`. Anything else (no
token, a malformed body, a body too large) is handed to the application with its body replayed
as it came, so its answer, status and error body are the application's own. A check it takes
but cannot decide (an unknown seller, a time without a zone) is refused as the application's
error handler refuses it (`kit.http.error_response`, the one renderer of errors). The answer is the
endpoint's (`store_inline`): the decision made and stored in one write transaction, with the
checks that arrived alongside it (group commit), and sent once it is committed.

On SQLite the group's transaction runs on the event loop; on PostgreSQL on a worker thread
(`kit.batches.write_soon`), where a group pays one commit, and its wait for the disk, instead
of one a check: commits take turns on the ledger's append lock, so one a check would cap the
checks a second at one over the disk's flush time.
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from callkeep.auth import roles
from callkeep.auth.deps import admit_soon
from callkeep.auth.schemas import Principal
from callkeep.checks import service
from callkeep.checks.schemas import CheckIn, DecisionOut
from callkeep.errors import CallkeepError
from callkeep.kit.batches import GroupCommit, for_this_loop
from callkeep.kit.db import Database
from callkeep.kit.http import error_response
from callkeep.kit.observability import metrics_of

PATH = "/api/v1/checks"
_ROLES = frozenset(roles.RECORD_CALLS)
# Decisions are made in the group's transaction (on SQLite on the event loop): a group of 16
# holds both for about 10 ms at most.
_MOST_PER_GROUP = 16
# On PostgreSQL, one group is written at a time, as on SQLite. Several at once (each on a
# connection of its own) overlap one group's reads with another's commit, but their threads
# take turns on the GIL: measured at 500 checks/s on two cores, four writers made groups of
# 1.4 checks that cost 1.83 ms of CPU a check (p99 33-40 ms), one writer groups of 1.7 at
# 1.40 ms (p99 11-12 ms). Servers of `--workers N` still write side by side, on the append lock.
_PARALLEL_GROUPS = 1


async def store_inline(state: Any, actor: str, check_in: CheckIn) -> DecisionOut:
    """Decides a check and stores its decision in one write transaction, together with the
    checks that arrived with it (group commit); returns once committed. `state` is the
    application's state: its runtime, and where its group commits live."""
    db: Database = state.runtime.db
    writer: GroupCommit[tuple[str, CheckIn], DecisionOut] = for_this_loop(
        state,
        "check_writers",
        lambda: GroupCommit(
            db, service.decide_and_store, most=_MOST_PER_GROUP, parallel=_PARALLEL_GROUPS
        ),
    )
    decision = await writer.submit((actor, check_in))
    metrics = metrics_of(state)
    if metrics is not None:
        metrics.count_decisions((decision,))
    return decision


class CheckLane:
    """ASGI middleware: well-formed checks by a dialer answered directly, the rest passed on.

    `state` is the application's state (its runtime, and where its group commits live),
    `limit` its body limit.
    """

    def __init__(self, app: ASGIApp, *, state: Any, limit: int) -> None:
        self.app = app
        self.state = state
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        received, body = await self._read(scope, receive)
        taken = await self._admit(scope, body) if body is not None else None
        if taken is None:
            await self.app(scope, _replay(received, receive), send)
            return
        principal, check_in = taken
        try:
            decision = await store_inline(self.state, principal.actor, check_in)
        except CallkeepError as exc:  # an unknown seller, say: refused as the application does
            await error_response(exc)(scope, receive, send)
            return
        payload = decision.model_dump_json().encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-length", str(len(payload)).encode()),
                    (b"content-type", b"application/json"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    async def _read(self, scope: Scope, receive: Receive) -> tuple[list[Message], bytes | None]:
        """The messages received, and the whole body if it came complete within the limit."""
        declared = _header(scope, b"content-length")
        if declared is None or not declared.isdigit() or int(declared) > self.limit:
            return [], None
        received: list[Message] = []
        size = 0
        while True:
            message = await receive()
            received.append(message)
            if message["type"] != "http.request":
                return received, None
            size += len(message.get("body", b""))
            if size > self.limit:
                return received, None
            if not message.get("more_body", False):
                break
        return received, b"".join(m.get("body", b"") for m in received)

    async def _admit(self, scope: Scope, body: bytes) -> tuple[Principal, CheckIn] | None:
        """The checker (admitted as every endpoint admits one) and the check, if both are
        plainly good; else None."""
        content_type = (_header(scope, b"content-type") or b"").split(b";")[0].strip().lower()
        if content_type != b"application/json":
            return None
        try:
            principal = await admit_soon(Request(scope), _ROLES, seller_scoped=True)
            if principal.seller_id is not None:  # held to a seller: the route holds it
                return None
            document = orjson.loads(body)
            if not isinstance(document, dict):
                return None
            return principal, CheckIn.model_validate(document)
        except (CallkeepError, ValidationError, orjson.JSONDecodeError):
            return None


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _replay(received: list[Message], receive: Receive) -> Receive:
    """A `receive` that gives the messages already read, in order, and then reads on."""
    pending = list(received)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
