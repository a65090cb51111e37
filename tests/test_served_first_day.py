"""`callkeep serve` on a fresh data folder, no demo, as a new user meets it: the reminder to name
the default seller, the public page taking a request, and `/docs` and `/redoc` that load nothing
from outside."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from serving import free_port, wait_serving

from callkeep.app import create_app
from callkeep.kit.runtime import Runtime

CALLKEEP = Path(sys.executable).parent / "callkeep"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data = tmp_path_factory.mktemp("fresh") / "data"
    port = free_port()
    env = {**os.environ, "CALLKEEP_DATA_DIR": str(data)}
    env.pop("CALLKEEP_DATABASE_URL", None)
    out = data.parent / "serve.out"
    with out.open("w") as sink:
        server = subprocess.Popen(
            [str(CALLKEEP), "serve", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_serving(server, base, out.read_text)
        yield base, out
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_serve_reminds_while_the_default_seller_is_unnamed(served: tuple[str, Path]) -> None:
    _, out = served
    printed = out.read_text()
    notes = [line for line in printed.splitlines() if "My business" in line]
    assert len(notes) == 1 and "callkeep sellers rename default" in notes[0], printed
    assert "Traceback" not in printed


def test_the_public_page_of_a_fresh_install_takes_a_request(served: tuple[str, Path]) -> None:
    base, _ = served
    with httpx.Client(base_url=base, timeout=30) as browser:
        form = browser.get("/do-not-call")
        assert form.status_code == 200 and "My business" in form.text
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token
        posted = browser.post(
            "/do-not-call",
            data={"csrf": token.group(1), "phone": "207-555-0123", "name": "", "email": ""},
        )
    assert posted.status_code == 200, posted.text
    assert re.search(r'data-testid="confirmation-code">[A-Z0-9]+<', posted.text)


def test_the_files_holding_personal_data_are_private(served: tuple[str, Path]) -> None:
    data = served[1].parent / "data"
    names = {p.name: p.stat().st_mode & 0o777 for p in data.iterdir() if p.is_file()}
    assert {"callkeep.db", "callkeep.db-wal", "callkeep.db-shm", "secret.key"} <= set(names)
    assert set(names.values()) == {0o600}, names


def _external_hosts(html: str) -> set[str]:
    """Every host other than this server's that the page would load or link to."""
    urls = re.findall(r"""(?:src|href|url|spec-url)\s*[=:]\s*["']([^"']+)["']""", html)
    urls += re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"'<>)]*", html)
    return {urlsplit(u).netloc for u in urls if urlsplit(u).netloc}


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_api_docs_load_only_what_callkeep_serves(served: tuple[str, Path], page: str) -> None:
    base, _ = served
    with httpx.Client(base_url=base, timeout=30) as browser:
        html = browser.get(page)
        assert html.status_code == 200 and "text/html" in html.headers["content-type"]
        assert _external_hosts(html.text) == set(), html.text
        assets = re.findall(r"""(?:src|href)="(/docs/assets/[^"]+)\"""", html.text)
        assert assets, html.text
        for asset in assets:
            fetched = browser.get(asset)
            assert fetched.status_code == 200 and len(fetched.content) > 1000, asset
        assert "openapi.json" in html.text
        assert browser.get("/openapi.json").json()["info"]["title"] == "callkeep"


def test_swagger_ui_sends_the_document_to_no_validator(client: TestClient, rt: Runtime) -> None:
    html = client.get("/docs").text
    assert '"validatorUrl": null' in html
    assert "swagger-ui-bundle.js" in html and "swagger-ui.css" in html
    assert client.get("/docs/assets/redoc.standalone.js").status_code == 200
    assert create_app(runtime=rt).openapi_url == "/openapi.json"
