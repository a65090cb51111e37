"""`callkeep serve --workers 2`: two processes serve one SQLite database, every decision stored."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from serving import free_port, wait_serving

from callkeep.config import Settings
from callkeep.kit.runtime import build_runtime
from callkeep.ledger import service as ledger


def test_two_server_processes_share_one_database(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "CALLKEEP_DATA_DIR": str(tmp_path)}
    env.pop("CALLKEEP_DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "callkeep", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_serving(server, base, lambda: server.stderr.read().decode() if server.stderr else "")
        login = (tmp_path / "initial-admin.txt").read_text()
        token = login.split("api token: ")[1].split()[0]
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            ids = []
            for n in range(40):  # each new connection may reach either process
                with httpx.Client(base_url=base, headers=headers, timeout=30) as one:
                    answer = one.post("/api/v1/checks", json={"phone": f"+1207555{n:04d}"})
                assert answer.status_code == 200, answer.text
                ids.append(answer.json()["decision_id"])
            for decision_id in ids:
                assert client.get(f"/api/v1/checks/{decision_id}").status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
    rt = build_runtime(Settings(data_dir=tmp_path))
    try:
        with rt.db.transaction(read_only=True) as session:
            report = ledger.verify(session=session)
    finally:
        rt.db.dispose()
    assert report.intact, report.problems


def test_a_server_that_says_it_serves_answers_at_once(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "CALLKEEP_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    env.pop("CALLKEEP_DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "callkeep", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        said = server.stdout.readline()
        assert f"serving on http://127.0.0.1:{port}/" in said, said
        answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=60)  # no retry
        assert answer.status_code == 200
        taken = subprocess.run(
            [sys.executable, "-m", "callkeep", "serve", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert taken.returncode != 0 and "serving on" not in taken.stdout
    finally:
        server.terminate()
        server.wait(timeout=30)
