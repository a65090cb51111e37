"""What an operator sees of a running server: request ids, JSON log lines, Prometheus metrics.

Machinery, kept in one place (see STYLE.md, "machinery behind a seam"):

- `Observed`, the outermost ASGI middleware: it gives every request an id (the client's
  `X-Request-ID` when it is a plain token, else a new one), answers with it in `X-Request-ID`,
  puts it on every log line written while the request runs, times the request into a latency
  histogram by route, method and status, and turns an error nothing else handled into a JSON
  500 carrying the id (the traceback goes to the log, never to the client).
- `JsonLines`, the log formatter: one JSON object a line, with the request id.
- `Metrics`, one registry per application (two apps in one process, as in tests, never share
  counters): the latency histogram and the checks counted by result and by reason. What the
  database holds (list ages, ledger size) is read when scraped, by collectors that the
  `operations` domain registers.

The hot path pays for a clock read, a context variable and one histogram observation (each
label set's child is looked up once and kept).
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "callkeep_request_id", default=None
)
HEADER = b"x-request-id"
_PLAIN_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")
# from a fraction of a millisecond (a check on SQLite) to seconds (a scrub, an export)
LATENCY_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0
)  # fmt: skip
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

log = logging.getLogger("callkeep.requests")


class Decided(Protocol):
    """What a counted decision shows: whether it allows the call, and its reasons' codes."""

    @property
    def allowed(self) -> bool: ...

    @property
    def reasons(self) -> Iterable[Any]: ...


class Metrics:
    """One application's metrics; `render()` is the text `/metrics` answers."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._latency = Histogram(
            "callkeep_http_request_duration_seconds",
            "Time from a request's arrival to its last byte sent, by route, method and status.",
            ["route", "method", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._checks = Counter(
            "callkeep_checks",
            "Pre-call decisions made and stored, by result (allowed or blocked).",
            ["result"],
            registry=self.registry,
        )
        self._reasons = Counter(
            "callkeep_check_reasons",
            "Blocking reasons given by decisions, by reason code (a decision may give several).",
            ["reason"],
            registry=self.registry,
        )
        self._children: dict[tuple[Any, ...], Any] = {}

    def _child(self, metric: Any, *labels: str) -> Any:
        key = (id(metric), *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """Counts one request into the latency histogram."""
        self._child(self._latency, route, method, str(status)).observe(seconds)

    def count_decisions(self, decisions: Iterable[Decided]) -> None:
        """Counts decisions by result, and each blocking reason by its code."""
        for decision in decisions:
            if decision.allowed:
                self._child(self._checks, "allowed").inc()
                continue
            self._child(self._checks, "blocked").inc()
            for reason in decision.reasons:
                self._child(self._reasons, str(reason.code)).inc()

    def register(self, collector: Collector) -> None:
        """Adds a collector read at each scrape (what the database holds, say)."""
        self.registry.register(collector)

    def render(self) -> bytes:
        """Every metric in Prometheus's text format."""
        return generate_latest(self.registry)


def metrics_of(state: Any) -> Metrics | None:
    """The application's metrics (None in an application built without them)."""
    found: Metrics | None = getattr(state, "metrics", None)
    return found


def _route_of(scope: Scope, lanes: frozenset[str]) -> str:
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str):
        return path
    if scope["path"] in lanes:  # answered before routing (the check lane)
        return str(scope["path"])
    return "unmatched"  # never the path itself: labels stay few whatever clients ask for


def _request_id(scope: Scope) -> str:
    for key, value in scope["headers"]:
        if key == HEADER:
            return value.decode("ascii") if _PLAIN_ID.match(value) else os.urandom(12).hex()
    return os.urandom(12).hex()


class Observed:
    """ASGI middleware: request id in and out, the id on every log line, request latency, and
    a JSON 500 (with the id) for an error nothing inside handled. See the module's docstring.

    `lanes`: the paths answered before routing, each timed under its own path."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, lanes: Iterable[str] = ()) -> None:
        self.app = app
        self.metrics = metrics
        self.lanes = frozenset(lanes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = _request_id(scope)
        token = REQUEST_ID.set(rid)
        tag = (HEADER, rid.encode("ascii"))
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), tag]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            log.exception("the request failed: %s %s", scope["method"], scope["path"])
            if status == 0:
                status = 500
                await _internal_error(send, rid, tag)
        finally:
            self.metrics.observe_request(
                _route_of(scope, self.lanes), scope["method"], status, time.perf_counter() - started
            )
            REQUEST_ID.reset(token)


async def _internal_error(send: Send, rid: str, tag: tuple[bytes, bytes]) -> None:
    body = json.dumps(
        {
            "error": {
                "code": "internal_error",
                "message": f"callkeep could not answer this request; its id is {rid}",
            }
        }
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body)), tag]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class JsonLines(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, request id, and the
    exception's traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": REQUEST_ID.get(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level: int = logging.INFO) -> None:
    """Every log line of the process, callkeep's and the server's, as JSON on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        server_log = logging.getLogger(name)
        server_log.handlers.clear()
        server_log.propagate = True
