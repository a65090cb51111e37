"""Checkpoints as users meet them: the command line, the API by role, the consumer's receipt,
the server's own hourly checkpoints, and the witnesses it sends them to."""

from __future__ import annotations

import html
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from callkeep.app import create_app
from callkeep.auth import service as auth_service
from callkeep.kit.runtime import Runtime
from callkeep.ledger import checkpoints, notes, witnesses
from tests.world import seed_sellers

CALLKEEP = str(Path(sys.executable).parent / "callkeep")


def _tokens(rt: Runtime, count: int) -> None:
    with rt.db.transaction() as s:
        for i in range(count):
            auth_service.create_token(session=s, actor="alice", name=f"t{i}", role="agent")


def _cli(rt: Runtime, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CALLKEEP_DATA_DIR": str(rt.settings.data_dir),
        "CALLKEEP_DATABASE_URL": rt.settings.database_url,
        "CALLKEEP_SECRET_KEY_FILE": str(rt.settings.key_file),
        "COLUMNS": "200",
    }
    return subprocess.run(
        [CALLKEEP, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_the_command_line_prints_pins_and_proves_checkpoints(rt: Runtime, tmp_path: Path) -> None:
    _tokens(rt, 4)
    printed = _cli(rt, "audit", "checkpoint")
    assert printed.returncode == 0, printed.stderr
    note = notes.parse_note(printed.stdout)
    with rt.db.engine.connect() as conn:  # the 4 tokens, and the default seller the CLI records
        entries = conn.execute(text("SELECT count(*) FROM ledger_entries")).scalar_one()
    assert note.size == entries >= 4
    vkey = _cli(rt, "audit", "checkpoint", "--public-key").stdout.strip()
    assert note.signed_by(notes.Verifier.from_vkey(vkey))
    kept = tmp_path / "kept.txt"
    assert _cli(rt, "audit", "checkpoint", "--out", str(kept)).returncode == 0
    _tokens(rt, 2)
    later = tmp_path / "later.txt"
    _cli(rt, "audit", "checkpoint", "--out", str(later))

    proven = _cli(rt, "audit", "verify", "--checkpoint", str(kept), str(later))
    assert proven.returncode == 0, proven.stdout
    assert proven.stdout.count("holds") == 2

    with rt.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_entries WHERE seq > 5"))
        conn.execute(
            text("DELETE FROM api_tokens WHERE id NOT IN (SELECT entity_id FROM ledger_entries)")
        )
    assert _cli(rt, "audit", "verify").returncode == 0  # the chain alone cannot tell
    found = _cli(rt, "audit", "verify", "--checkpoint", str(kept), str(later))
    assert found.returncode == 1
    assert "truncated" in found.stdout and "FAILS" in found.stdout

    garbage = tmp_path / "garbage.txt"
    garbage.write_text("not a checkpoint\n")
    refused = _cli(rt, "audit", "verify", "--checkpoint", str(garbage))
    assert refused.returncode == 1 and "not a signed checkpoint" in refused.stdout
    missing = _cli(rt, "audit", "verify", "--checkpoint", str(tmp_path / "nowhere.txt"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


@pytest.fixture
def app_client(rt: Runtime) -> Iterator[TestClient]:
    seed_sellers(rt)
    with TestClient(create_app(runtime=rt), raise_server_exceptions=False) as client:
        yield client


def test_the_api_answers_the_latest_checkpoint_to_admin_compliance_and_auditor_only(
    app_client: TestClient, tokens: dict[str, str], rt: Runtime
) -> None:
    for role in ("admin", "compliance", "auditor"):
        answer = app_client.get(
            "/api/v1/audit/checkpoint", headers={"Authorization": f"Bearer {tokens[role]}"}
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["size"] >= 5  # the tokens and the sellers at least
        assert notes.parse_note(body["note"]).signed_by(checkpoints.verifier_for(rt.settings))
    for role in ("agent", "dialer"):
        refused = app_client.get(
            "/api/v1/audit/checkpoint", headers={"Authorization": f"Bearer {tokens[role]}"}
        )
        assert refused.status_code == 403
    assert app_client.get("/api/v1/audit/checkpoint").status_code == 401
    plain = app_client.get(
        "/api/v1/audit/checkpoint",
        headers={"Authorization": f"Bearer {tokens['auditor']}", "Accept": "text/plain"},
    )
    assert plain.headers["content-type"].startswith("text/plain")
    assert plain.text == body["note"]


def test_a_new_dnc_request_is_answered_with_the_checkpoint_in_force(
    app_client: TestClient, admin_headers: dict[str, str], rt: Runtime
) -> None:
    in_force = checkpoints.make(rt=rt)
    answer = app_client.post(
        "/api/v1/dnc-requests", json={"phone": "+12075550123"}, headers=admin_headers
    )
    assert answer.status_code == 201, answer.text
    # the server's own start-up checkpoint may be made at the same size meanwhile: the same tree
    given = {k: v for k, v in answer.json()["checkpoint"].items() if k != "made_at"}
    assert given == {k: v for k, v in in_force.model_dump().items() if k != "made_at"}


def test_the_public_pages_receipt_shows_the_checkpoint_in_force(
    app_client: TestClient, rt: Runtime
) -> None:
    in_force = checkpoints.make(rt=rt)
    page = app_client.get("/do-not-call")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    receipt = app_client.post(
        "/do-not-call",
        data={"csrf": csrf, "phone": "207-555-0123", "name": "", "email": "", "website": ""},
    )
    assert receipt.status_code == 200, receipt.text
    shown = html.unescape(receipt.text.split('data-testid="checkpoint-note">', 1)[1].split("<")[0])
    assert shown == in_force.note


def test_a_running_server_keeps_a_checkpoint_in_the_data_folder_from_its_start(
    rt: Runtime,
) -> None:
    _tokens(rt, 3)
    with TestClient(create_app(runtime=rt)):
        deadline = time.monotonic() + 20
        expected = rt.settings.checkpoint_dir / checkpoints.file_name(3)
        while not expected.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert expected.exists()
    with rt.db.transaction(read_only=True) as s:
        stored = checkpoints.last_checkpoint(session=s)
    assert stored is not None and stored.note == expected.read_text()


class _Witness(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []  # noqa: RUF012
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.headers["Content-Type"], body))
        self.send_response(type(self).status)
        self.end_headers()
        self.wfile.write(b"cosigned, thanks" if type(self).status == 200 else b"try later")

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def witness() -> Iterator[tuple[str, type[_Witness]]]:
    handler = type("Witness", (_Witness,), {"received": [], "status": 200})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/add-checkpoint", handler
    server.shutdown()
    server.server_close()


def test_each_new_checkpoint_goes_to_the_witnesses_and_their_answers_are_kept(
    rt: Runtime, witness: tuple[str, type[_Witness]]
) -> None:
    url, handler = witness
    rt.settings.checkpoint_witnesses = f"{url} http://127.0.0.1:9/closed"
    _tokens(rt, 2)
    made = checkpoints.make(rt=rt)
    witnesses.publish(rt=rt)
    assert handler.received == [("text/plain; charset=utf-8", made.note.encode())]
    answers = {a.url: a for a in witnesses.answers_for(rt=rt, size=made.size)}
    assert answers[url].status == 200 and answers[url].body == "cosigned, thanks"
    assert answers["http://127.0.0.1:9/closed"].status == 0
    assert answers[url].answered_at is not None

    handler.status = 503
    witnesses.publish(rt=rt)  # the witness that accepted is not asked again; the other is
    assert len(handler.received) == 1
    _tokens(rt, 1)
    newer = checkpoints.make(rt=rt)
    witnesses.publish(rt=rt)
    assert handler.received[-1][1] == newer.note.encode()
    assert [a.status for a in witnesses.answers_for(rt=rt, size=newer.size) if a.url == url] == [
        503
    ]
