"""DNC both ways: each new request posted to the dialer at once (signed, retried, recorded), the
seller's list exported as VICIdial loads it, and VICIdial's DNC downloads imported."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import re
import stat
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from served import HOST, Server, callkeep

from callkeep.kit.runtime import Runtime
from callkeep.requests import dialer_webhooks, service
from callkeep.requests.schemas import Channel, DncRequestCreate


class Receiver:
    """A dialer's receiver on loopback: answers 500 to the first `failures` posts, then 200."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.posts: list[tuple[float, dict[str, str], bytes, int]] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.arrived:
                    failed = sum(1 for p in receiver.posts if p[3] != 200)
                    status = 500 if failed < receiver.failures else 200
                    receiver.posts.append((time.monotonic(), dict(self.headers), body, status))
                    receiver.arrived.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.url = f"http://{HOST}:{self.server.server_address[1]}/callkeep/dnc"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, ok: int, seconds: float) -> list[tuple[float, dict[str, str], bytes, int]]:
        """Waits (bounded) until `ok` posts were answered 200; returns every post so far."""
        deadline = time.monotonic() + seconds
        with self.arrived:
            while sum(1 for p in self.posts if p[3] == 200) < ok:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.arrived.wait(left)
            return list(self.posts)


@pytest.fixture
def seller(rt: Runtime) -> str:
    from world import seed_sellers

    seed_sellers(rt)
    return "acme"


def record(rt: Runtime, phone: str, seller: str = "acme") -> str:
    with rt.db.transaction() as session:
        result = service.record_request(
            session=session,
            actor="test",
            request_in=DncRequestCreate(phone=phone, seller=seller, channel=Channel.PHONE),
        )
        return result.request.id


def test_a_receiver_that_fails_twice_gets_the_request_on_the_third_attempt(
    rt: Runtime, seller: str
) -> None:
    with Receiver(failures=2) as receiver:
        with rt.db.transaction() as session:
            hook, secret = dialer_webhooks.add_webhook(
                session=session, actor="test", url=receiver.url, seller=seller
            )
        dispatcher = dialer_webhooks.start_dispatcher(rt.db, base=0.1, poll=30.0)
        try:
            request_id = record(rt, "207-555-0123")
            posts = receiver.wait_for(ok=1, seconds=15)
        finally:
            dispatcher.stop()
    assert [p[3] for p in posts] == [500, 500, 200]
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(posts)]
    assert gaps[0] >= 0.1 and gaps[1] >= 0.2  # backed off: 0.1 s, then 0.2 s (at least)
    for _at, headers, body, _status in posts:
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Callkeep-Signature"] == expected
        assert headers["X-Callkeep-Event"] == "dnc_request.recorded"
    sent = json.loads(posts[-1][2])
    assert sent["request_id"] == request_id and sent["phone"] == "+12075550123"
    assert sent["dialer_numbers"] == ["2075550123"] and sent["attempt"] == 3
    assert "name" not in sent and "email" not in sent
    with rt.db.transaction(read_only=True) as session:
        attempts = dialer_webhooks.attempts_of(session=session, request_id=request_id)
        assert [(a.attempt, a.status_code, a.delivered) for a in attempts] == [
            (1, 500, False),
            (2, 500, False),
            (3, 200, True),
        ]
        assert {a.webhook_id for a in attempts} == {hook.id}
        due, _ = dialer_webhooks.pending(session=session, now=dialer_webhooks.utcnow())
        assert due == []  # delivered: never posted again


def test_a_webhook_for_one_seller_hears_nothing_of_another(rt: Runtime, seller: str) -> None:
    with Receiver() as receiver:
        with rt.db.transaction() as session:
            dialer_webhooks.add_webhook(
                session=session, actor="test", url=receiver.url, seller="birch"
            )
        dispatcher = dialer_webhooks.start_dispatcher(rt.db, base=0.1, poll=30.0)
        try:
            record(rt, "207-555-0123", seller="acme")
            birch = record(rt, "207-555-0124", seller="birch")
            posts = receiver.wait_for(ok=1, seconds=10)
        finally:
            dispatcher.stop()
    assert [json.loads(p[2])["request_id"] for p in posts] == [birch]


def test_an_ended_webhook_and_an_unreachable_one_are_handled(rt: Runtime, seller: str) -> None:
    with rt.db.transaction() as session:
        gone, _ = dialer_webhooks.add_webhook(
            session=session, actor="test", url="http://127.0.0.1:9/x"
        )
        dialer_webhooks.end_webhook(session=session, actor="test", webhook_id=gone.id)
        dead, _ = dialer_webhooks.add_webhook(
            session=session, actor="test", url="http://127.0.0.1:9/y"
        )
    record(rt, "207-555-0125")
    with httpx.Client(timeout=2) as client:
        first = dialer_webhooks.deliver_due(db=rt.db, client=client, base=60)
        second = dialer_webhooks.deliver_due(db=rt.db, client=client, base=60)
    assert (first.delivered, first.failed) == (0, 1)
    assert (second.delivered, second.failed) == (0, 0)  # backing off: not due yet
    with rt.db.transaction(read_only=True) as session:
        [attempt] = dialer_webhooks.attempts_of(session=session)
    assert attempt.webhook_id == dead.id and attempt.status_code is None
    assert attempt.error and "Connect" in attempt.error


def test_a_bad_url_is_refused(rt: Runtime) -> None:
    from callkeep.errors import InvalidInput

    with rt.db.transaction() as session, pytest.raises(InvalidInput, match="url"):
        dialer_webhooks.add_webhook(session=session, actor="test", url="ftp://dialer/")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    callkeep(data, "sellers", "add", "Androscoggin Home Energy", "--slug", "andro", "--default")
    return data


def test_a_request_on_the_public_page_reaches_the_dialer_within_a_second(data_dir: Path) -> None:
    with Receiver() as receiver:
        out = callkeep(data_dir, "dnc", "dialer-webhook", "add", receiver.url, "--seller", "andro")
        secret = out.strip().splitlines()[-1]
        with Server(data_dir) as running, httpx.Client(base_url=running.url) as browser:
            page = browser.get("/do-not-call")
            token = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert token is not None
            form = {
                "csrf": token[1],
                "phone": "(207) 555-0142",
                "name": "",
                "email": "",
                "website": "",
            }
            answered = browser.post("/do-not-call", data=form)
            recorded = time.monotonic()
            assert answered.status_code == 200, answered.text
            posts = receiver.wait_for(ok=1, seconds=5)
    assert len(posts) == 1
    arrived, headers, body, _ = posts[0]
    assert arrived - recorded < 1.0
    sent = json.loads(body)
    assert (
        sent["phone"] == "+12075550142" and sent["channel"] == "web" and sent["seller"] == "andro"
    )
    assert (
        headers["X-Callkeep-Signature"]
        == "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    )
    attempts = json.loads(callkeep(data_dir, "dnc", "dialer-webhook", "attempts", "--json"))
    assert [(a["attempt"], a["delivered"]) for a in attempts] == [(1, True)]


def test_the_seller_list_exports_as_vicidial_loads_it(data_dir: Path, tmp_path: Path) -> None:
    callkeep(data_dir, "dnc", "add", "207-555-0101")
    callkeep(data_dir, "lists", "entity-add", "--area-code", "603", "--source", "staff")
    listed = tmp_path / "own.txt"
    listed.write_text("2075550102\n2075550103\n")
    callkeep(data_dir, "lists", "import", str(listed), "--list", "entity:andro")
    out = tmp_path / "SYSTEM_DNC.txt"
    callkeep(data_dir, "dnc", "export", "--format", "vicidial", "--out", str(out))
    assert out.read_text().splitlines() == [
        "phone_number", "603XXXXXXX", "2075550101", "2075550102", "2075550103",
    ]  # fmt: skip
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    plain = callkeep(data_dir, "dnc", "export", "--format", "plain")
    assert plain.splitlines() == ["603XXXXXXX", "2075550101", "2075550102", "2075550103"]
    later = callkeep(data_dir, "dnc", "export", "--since", "2999-01-01")
    assert later.splitlines() == ["phone_number"]


def test_a_vicidial_dnc_download_lands_on_the_seller_list_with_its_source(
    data_dir: Path, tmp_path: Path
) -> None:
    download = tmp_path / "SYSTEM_DNC_20261201-120000.txt"
    download.write_bytes(
        b"phone_number\r\n2075550111\r\n201XXXXXXX\r\n2075550112\r\nnot-a-number\r\n"
    )
    report = json.loads(
        callkeep(
            data_dir,
            "lists",
            "import",
            str(download),
            "--list",
            "entity:andro",
            "--format",
            "vicidial",
            "--json",
        )
    )
    numbers = report["numbers"]
    assert numbers["numbers_read"] == 2 and numbers["unreadable"] == 1
    assert numbers["first_unreadable"][0]["line"] == 5
    assert download.name in numbers["source_name"]
    [area] = report["area_codes"]
    assert area["area_code"] == 201 and area["source"] == "vicidial_dnc"
    assert area["reference"] == f"{download.name} line 3"
    blocked = json.loads(callkeep_status(data_dir, "check", "201-555-0100", "--json"))
    assert blocked["allowed"] is False
    assert "entity_dnc" in [r["code"] for r in blocked["reasons"]]
    assert callkeep(data_dir, "dnc", "export").splitlines()[:2] == ["phone_number", "201XXXXXXX"]


def callkeep_status(data: Path, *args: str) -> str:
    """`callkeep check` exits 1 when blocked: its output all the same."""
    import subprocess
    import sys

    env = {**os.environ, "CALLKEEP_DATA_DIR": str(data)}
    env.pop("CALLKEEP_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "callkeep", *args], env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


@pytest.fixture(autouse=True)
def _no_leftover_dispatchers() -> Iterator[None]:
    yield
    assert not list(dialer_webhooks._RUNNING)
