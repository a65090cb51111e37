"""Outbound webhooks: each new consumer request posted to the dialer the moment it is recorded.

A dialer (or a small receiver beside it that updates VICIdial's DNC list) registers a URL; from
then on every request recorded for its seller (or for every seller) is posted to it as JSON,
signed like the inbound webhooks (`X-Callkeep-Signature: sha256=<HMAC-SHA256 hex of the body>`
under the webhook's own secret). A request committed in this process wakes the dispatcher at
once; requests recorded elsewhere (the command line, another server) are found by its poll.
A failed post is retried with exponential back-off (1 s, 2 s, 4 s … capped at an hour) up to
`MAX_ATTEMPTS` times; every attempt is recorded through the ledger, never updated. Delivery is
at least once: a receiver keys on `request_id`.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import case, event, func, or_, select
from sqlalchemy.orm import Session

from callkeep.errors import InvalidInput, NotFound
from callkeep.kit.clock import iso, utcnow
from callkeep.kit.db import Database
from callkeep.kit.stamped import forget_at_transaction_end
from callkeep.ledger import service as ledger
from callkeep.phone.parse import nanp_ten_digits
from callkeep.requests import dialer_vicidial, peers
from callkeep.requests.dialer_vicidial import VicidialLogin
from callkeep.requests.models import (
    DialerDelivery,
    DialerVicidialTarget,
    DialerWebhook,
    DialerWebhookEnd,
    DncRequest,
)
from callkeep.requests.webhooks import sign

log = logging.getLogger("callkeep.requests.dialer_webhooks")

EVENT = "dnc_request.recorded"
MAX_ATTEMPTS = 16
BACKOFF_SECONDS = 1.0
MAX_DELAY_SECONDS = 3600.0
POLL_SECONDS = 5.0
TIMEOUT_SECONDS = 5.0
_BATCH = 200
_NEW_REQUEST = "callkeep.requests.new_request"
_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Pending:
    """One request one webhook has not yet been told of, and how many attempts were made."""

    webhook_id: str
    url: str
    secret: str
    request: dict[str, Any]
    attempts: int
    vicidial: DialerVicidialTarget | None = None  # speaks VICIdial's API (secret: its password)


@dataclass(frozen=True)
class Round:
    """What one delivery round did, and when the next attempt falls due (None: none waits)."""

    delivered: int
    failed: int
    next_due: datetime | None


def _check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput.for_field("url", "an http:// or https:// URL")
    return url.strip()


def add_webhook(
    *,
    session: Session,
    actor: str,
    url: str,
    seller: str | None = None,
    vicidial: VicidialLogin | None = None,
) -> tuple[DialerWebhook, str]:
    """Registers a dialer's URL; returns it and the secret its posts are signed with.

    With `vicidial`, the URL is VICIdial's ``non_agent_api.php``, each number is added through
    its ``add_dnc_phone`` as that API user, and the secret kept (encrypted) is its password."""
    slug = peers.resolve_seller(session=session, ref=seller).slug if seller else None
    login = dialer_vicidial.checked(vicidial) if vicidial is not None else None
    secret = login.password if login is not None else secrets.token_urlsafe(32)
    hook = DialerWebhook(url=_check_url(url), seller_slug=slug, secret=secret, recorded_by=actor)
    ledger.record(session=session, actor=actor, entity=hook)
    if login is not None:
        dialer_vicidial.record_target(session=session, actor=actor, webhook_id=hook.id, login=login)
    return hook, secret


def end_webhook(*, session: Session, actor: str, webhook_id: str) -> DialerWebhookEnd:
    """Stops posting to a webhook (a new record; the webhook itself stays as it was)."""
    if session.get(DialerWebhook, webhook_id) is None:
        raise NotFound(f"no dialer webhook {webhook_id}")
    ended = session.scalar(
        select(DialerWebhookEnd).where(DialerWebhookEnd.webhook_id == webhook_id)
    )
    if ended is not None:
        return ended
    end = DialerWebhookEnd(webhook_id=webhook_id, recorded_by=actor)
    return ledger.record(session=session, actor=actor, entity=end)


def active_webhooks(*, session: Session) -> list[DialerWebhook]:
    """The webhooks not ended, oldest first."""
    ended = select(DialerWebhookEnd.webhook_id)
    return list(
        session.scalars(
            select(DialerWebhook)
            .where(DialerWebhook.id.not_in(ended))
            .order_by(DialerWebhook.recorded_at, DialerWebhook.id)
        )
    )


def attempts_of(*, session: Session, request_id: str | None = None) -> list[DialerDelivery]:
    """Every recorded attempt (of one request), oldest first."""
    query = select(DialerDelivery).order_by(DialerDelivery.attempted_at, DialerDelivery.id)
    if request_id:
        query = query.where(DialerDelivery.request_id == request_id)
    return list(session.scalars(query))


def delay_after(attempts: int, base: float = BACKOFF_SECONDS) -> timedelta:
    """How long to wait after `attempts` failed attempts before the next one."""
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), MAX_DELAY_SECONDS))


def payload(request: DncRequest) -> dict[str, Any]:
    """What the dialer is told: the numbers to suppress, for whom, since when. No name or email."""
    phones = [request.phone, *(request.other_phones or "").split()]
    return {
        "event": EVENT,
        "request_id": request.id,
        "seller": request.seller_slug,
        "phone": request.phone,
        "phones": phones,
        "dialer_numbers": [str(d) for d in map(nanp_ten_digits, phones) if d is not None],
        "channel": request.channel,
        "received_at": iso(request.received_at),
        "recorded_at": iso(request.recorded_at),
    }


def pending(
    *, session: Session, now: datetime, base: float = BACKOFF_SECONDS
) -> tuple[list[Pending], datetime | None]:
    """The deliveries due now, and when the soonest of the others falls due."""
    due: list[Pending] = []
    soonest: datetime | None = None
    vicidial = dialer_vicidial.targets(session=session)
    for hook in active_webhooks(session=session):
        tried = (
            select(
                DialerDelivery.request_id.label("request_id"),
                func.count().label("attempts"),
                func.max(DialerDelivery.attempted_at).label("last"),
                func.max(case((DialerDelivery.delivered, 1), else_=0)).label("ok"),
            )
            .where(DialerDelivery.webhook_id == hook.id)
            .group_by(DialerDelivery.request_id)
            .subquery()
        )
        query = (
            select(DncRequest, tried.c.attempts, tried.c.last)
            .outerjoin(tried, tried.c.request_id == DncRequest.id)
            .where(
                DncRequest.recorded_at >= hook.recorded_at,
                or_(tried.c.ok.is_(None), tried.c.ok == 0),
                or_(tried.c.attempts.is_(None), tried.c.attempts < MAX_ATTEMPTS),
            )
            .order_by(DncRequest.recorded_at, DncRequest.id)
            .limit(_BATCH)
        )
        if hook.seller_slug is not None:
            query = query.where(DncRequest.seller_slug == hook.seller_slug)
        for request, attempts, last in session.execute(query):
            count = int(attempts or 0)
            # attempts are stored to the second: the next one waits a whole second more, so
            # that it never comes sooner than its back-off
            when = last + _SECOND + delay_after(count, base) if count else now
            if when <= now:
                target = vicidial.get(hook.id)
                due.append(Pending(hook.id, hook.url, hook.secret, payload(request), count, target))
            elif soonest is None or when < soonest:
                soonest = when
    return due, soonest


def _post(client: httpx.Client, item: Pending, attempt: int) -> tuple[int | None, str | None]:
    """Tells the dialer of one request: the HTTP status, and the error (None: suppressed)."""
    if item.vicidial is not None:
        numbers = item.request["dialer_numbers"]
        status, answer = dialer_vicidial.add_numbers(
            client, item.url, item.vicidial, item.secret, numbers
        )
        return status, None if answer.suppressed else answer.reason
    body = json.dumps({**item.request, "attempt": attempt, "sent_at": iso(utcnow())}).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Callkeep-Event": EVENT,
        "X-Callkeep-Delivery": item.request["request_id"],
        "X-Callkeep-Signature": sign(item.secret, body),
    }
    try:
        response = client.post(item.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:200]
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"answered {response.status_code}"


def deliver_due(
    *,
    db: Database,
    client: httpx.Client,
    base: float = BACKOFF_SECONDS,
    actor: str = "dialer-webhooks",
) -> Round:
    """Posts every delivery due now, recording each attempt in its own transaction."""
    with db.transaction(read_only=True) as session:
        due, soonest = pending(session=session, now=datetime.now(UTC), base=base)
    delivered = failed = 0
    refused: set[str] = set()  # webhooks whose VICIdial login was refused in this round
    for item in due:
        if item.webhook_id in refused:
            continue
        attempt = item.attempts + 1
        status, error = _post(client, item, attempt)
        ok = error is None
        with db.transaction() as session:
            ledger.record(
                session=session,
                actor=actor,
                entity=DialerDelivery(
                    webhook_id=item.webhook_id,
                    request_id=item.request["request_id"],
                    attempt=attempt,
                    attempted_at=utcnow(),
                    status_code=status,
                    error=error,
                    delivered=ok,
                    recorded_by=actor,
                ),
            )
        if ok:
            delivered += 1
            continue
        failed += 1
        if item.vicidial is not None and error and error.startswith(dialer_vicidial.LOGIN_REFUSED):
            refused.add(item.webhook_id)
        log.warning("dialer webhook %s: attempt %d failed (%s)", item.webhook_id, attempt, error)
        if attempt < MAX_ATTEMPTS:
            retry = datetime.now(UTC) + _SECOND + delay_after(attempt, base)
            soonest = retry if soonest is None or retry < soonest else soonest
    return Round(delivered, failed, soonest)


class Dispatcher:
    """A thread that delivers as soon as a request is committed, and polls for the others."""

    def __init__(
        self,
        db: Database,
        *,
        poll: float = POLL_SECONDS,
        base: float = BACKOFF_SECONDS,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.db = db
        self.poll = poll
        self.base = base
        self.timeout = timeout
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dialer-webhooks", daemon=True)

    def start(self) -> None:
        _RUNNING.add(self)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        _RUNNING.discard(self)
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=self.timeout + 5)

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
            while not self._stop.is_set():
                wait = self.poll
                try:
                    done = deliver_due(db=self.db, client=client, base=self.base)
                    if done.next_due is not None:
                        left = (done.next_due - datetime.now(UTC)).total_seconds()
                        wait = min(wait, max(left, 0.05))
                except Exception:  # a broken round must not end the thread: log, try again
                    log.exception("dialer webhook round failed")
                self._wake.wait(timeout=wait)
                self._wake.clear()


_RUNNING: weakref.WeakSet[Dispatcher] = weakref.WeakSet()


def start_dispatcher(db: Database, **options: float) -> Dispatcher:
    """Starts delivering for `db` in this process (the server's lifespan); `.stop()` ends it."""
    dispatcher = Dispatcher(db, **options)
    dispatcher.start()
    return dispatcher


@event.listens_for(Session, "after_flush")
def _note_new_request(session: Session, _context: object) -> None:
    if any(isinstance(obj, DncRequest) for obj in session.new):
        session.info[_NEW_REQUEST] = True


@event.listens_for(Session, "after_commit")
def _wake_dispatchers(session: Session) -> None:
    if session.info.pop(_NEW_REQUEST, False):
        for dispatcher in list(_RUNNING):
            dispatcher.wake()


forget_at_transaction_end(_NEW_REQUEST)  # a rolled-back request wakes no one
