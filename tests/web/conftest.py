"""The public page's test world: a form fetched with its CSRF cookie, and a live server for
the browser tests (uvicorn in a thread over SQLite in a temp folder).
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from httpx import Response
from world import seed_sellers

from callkeep.app import create_app
from callkeep.config import Settings
from callkeep.kit import crypto
from callkeep.kit.db import Base
from callkeep.kit.runtime import Runtime, build_runtime

Submit = Callable[..., Response]


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the form carries a CSRF token"
    return found.group(1)


@pytest.fixture
def submit(client: TestClient) -> Submit:
    """Fetches the form (for its token and cookie) and posts it like a browser would."""

    def _submit(path: str = "/do-not-call", **fields: Any) -> Response:
        page = client.get(path)
        data = {"csrf": csrf_of(page.text), "phone": "", "name": "", "email": "", "website": ""}
        data.update(fields)
        return client.post(path, data=data)

    return _submit


def code_of(html: str) -> str:
    found = re.search(r'data-testid="confirmation-code">([A-Z0-9]+)<', html)
    assert found, "the receipt shows a confirmation code"
    return found.group(1)


@pytest.fixture
def code_in() -> Callable[[str], str]:
    return code_of


CHROMIUM = os.environ.get("CALLKEEP_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    data = tmp_path_factory.mktemp("browser") / "data"
    runtime = build_runtime(Settings(data_dir=Path(data)))
    Base.metadata.create_all(runtime.db.engine)
    seed_sellers(runtime)
    yield runtime
    runtime.db.dispose()


def _serve(app: Any) -> Iterator[str]:
    """`app` served on a free loopback port in a thread, for the browser."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_served(live_runtime: Runtime) -> Iterator[str]:
    """The whole app served on a free loopback port, for the browser, once per worker."""
    app = create_app(runtime=live_runtime)
    app.state.public_submissions_per_hour = 10_000
    app.state.public_lookups_per_hour = 10_000
    yield from _serve(app)


@pytest.fixture
def live_server(live_served: str, live_runtime: Runtime) -> str:
    """The served app, with its keys in force: a server in this process shares the process's
    keyring, which every other test's runtime replaces with its own."""
    crypto.install(live_runtime.keys)
    return live_served


STAFF_PASSWORD = "staff password 1"


@pytest.fixture(scope="session")
def staff_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """A first start with the demo data (as `callkeep serve --demo`), and a user per role."""
    from callkeep import bootstrap
    from callkeep.auth import service
    from callkeep.records.parties import sellers

    data = tmp_path_factory.mktemp("staff") / "data"
    runtime = build_runtime(Settings(data_dir=Path(data)))
    bootstrap.prepare(runtime, demo=True)
    with runtime.db.transaction() as s:
        for role in ("compliance", "supervisor", "agent", "auditor"):
            service.create_user(
                session=s, actor="test", username=role, role=role, password=STAFF_PASSWORD
            )
        service.create_user(
            session=s, actor="test", username="boss", role="admin", password=STAFF_PASSWORD
        )
        default = next(x for x in sellers.list_sellers(session=s) if x.is_default)
        service.assign_scope(
            session=s, actor="test", username="supervisor", seller_id=default.id, campaign_id=None
        )
    yield runtime
    runtime.db.dispose()


@pytest.fixture(scope="session")
def staff_served(staff_runtime: Runtime) -> Iterator[str]:
    """The whole app over the demo data, for the staff app's browser tests, once per worker."""
    yield from _serve(create_app(runtime=staff_runtime))


@pytest.fixture
def staff_server(staff_served: str, staff_runtime: Runtime) -> str:
    """The served staff app, with its keys in force (see `live_server`)."""
    crypto.install(staff_runtime.keys)
    return staff_served


@pytest.fixture(scope="session")
def browser(live_served: str) -> Iterator[Any]:
    """Headless Chromium; missing Chromium skips locally and fails under CI=true."""
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (set CALLKEEP_TEST_CHROMIUM)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def rt(settings: Settings) -> Iterator[Runtime]:
    """The runtime, with this domain's sellers in place."""
    runtime = build_runtime(settings)
    seed_sellers(runtime)
    yield runtime
    runtime.db.dispose()
