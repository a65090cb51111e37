"""Idempotency keys: whose a key is, and the one value a call record stores for it.

An `Idempotency-Key` belongs to the client that sent it (its API token, or its user) and to the
seller the call is for: another client's or seller's call with the same key is a different call.
A call record stores the digest of the three (`scoped_key`), never the bare key, so the
database's one unique index on it holds each client's keys apart. A batch item sent without a key
is known by its content instead (`content_key`): the same call sent again is the same record.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

from callkeep.kit.clock import iso

if TYPE_CHECKING:  # a check or an import needs no web stack
    from starlette.requests import Request


def client_of(request: Request, actor: str) -> str:
    """Who sent the request, for its keys: its bearer token (by a digest of it, so two tokens
    with one name are two clients), else the `actor` of its staff session."""
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        token = hashlib.sha256(secret.strip().encode()).hexdigest()
        return "token#" + hashlib.sha256(token.encode()).hexdigest()[:32]
    return actor


def scoped_key(*, client: str, seller_id: str | None, key: str) -> str:
    """The value stored for `key` sent by `client` for the seller `seller_id`."""
    scope = "\n".join((client, seller_id or "", key))
    return hashlib.sha256(scope.encode()).hexdigest()


def content_key(row: dict[str, Any], fields: tuple[str, ...]) -> str:
    """A key naming a call by its content: `fields` of its checked `row`."""
    parts = []
    for name in fields:
        value = row.get(name)
        text = iso(value) if isinstance(value, datetime) else repr(value)
        parts.append(f"{name}={text}")
    return "content:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()
