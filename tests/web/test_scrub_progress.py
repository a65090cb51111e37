"""The scrub upload's answer: a small file's result at once; a larger one's progress page
(rows done of all, rate) that refreshes itself and has its status as JSON; a failed scrub's
error with its line number. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
import time

import pytest
from fastapi.testclient import TestClient
from staff_login import form_token, make_user, sign_in

from callkeep.kit.runtime import Runtime
from callkeep.web import scrub_jobs

LEADS = "name,phone\n" + "".join(f"P{i},207-784-{1000 + i:04d}\n" for i in range(300))


def upload(client: TestClient, body: bytes, name: str = "leads.csv") -> object:
    token = form_token(client.get("/scrubs").text)
    return client.post(
        "/scrubs",
        data={"csrf": token, "seller": "acme"},
        files={"file": (name, body, "text/csv")},
        follow_redirects=False,
    )


def test_a_small_file_answers_with_its_result(client: TestClient, rt: Runtime) -> None:
    make_user(rt, "cora", "compliance")
    sign_in(client, "cora")
    answer = upload(client, LEADS.encode())
    assert answer.status_code == 303  # type: ignore[attr-defined]
    result = client.get(answer.headers["location"])  # type: ignore[attr-defined]
    assert "300 rows" in result.text
    assert not list((rt.settings.data_dir / "scrubs" / "jobs").glob("*.upload"))


def test_a_scrub_under_way_shows_its_progress_then_its_result(
    client: TestClient, rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scrub_jobs, "AWAIT", 0.0)  # answer before the scrub can end
    make_user(rt, "cora", "compliance")
    sign_in(client, "cora")
    answer = upload(client, LEADS.encode())
    location = answer.headers["location"]  # type: ignore[attr-defined]
    job_id = location.rsplit("/", 1)[1]
    assert location == f"/scrubs/jobs/{job_id}"
    deadline = time.monotonic() + 60
    while (status := client.get(f"{location}/status.json").json())["state"] == "running":
        assert status["rows_total"] == 300 and 0 <= status["rows_done"] <= 300
        assert time.monotonic() < deadline, status
    assert status["state"] == "done" and status["rows_done"] == 300 and status["percent"] == 100
    assert client.get(location, follow_redirects=False).headers["location"] == (
        f"/scrubs/{status['scrub_id']}"
    )
    assert client.get(f"/scrubs/{status['scrub_id']}/download").text.count("\n") == 301


def test_the_progress_page_reads_with_and_without_javascript(
    client: TestClient, rt: Runtime
) -> None:
    make_user(rt, "cora", "compliance")
    make_user(rt, "amy", "agent")
    running = scrub_jobs.Progress(
        "a1b2c3", "big.csv", "running", 250_000, 1_000_000, "2026-12-01T23:00:00Z", 0.5
    )
    scrub_jobs.write(rt, running)
    sign_in(client, "cora")
    page = client.get("/scrubs/jobs/a1b2c3").text
    assert '250,000</span> of <span data-field="rows_total">1,000,000</span> rows' in page
    assert "500,000</span> rows a second" in page
    assert '<noscript><meta http-equiv="refresh" content="1"></noscript>' in page
    assert '<script src="/static/scrub.js" defer></script>' in page
    assert client.get("/static/scrub.js").status_code == 200
    status = client.get("/scrubs/jobs/a1b2c3/status.json")
    assert status.headers["cache-control"] == "no-store"
    assert status.json()["percent"] == 25 and status.json()["rate"] == 500_000.0
    assert client.get("/scrubs/jobs/nope99").status_code == 404
    assert client.get("/scrubs/jobs/..%2Fx").status_code == 404
    client.post("/logout", data={"csrf": form_token(page)})
    sign_in(client, "amy")
    assert client.get("/scrubs/jobs/a1b2c3").status_code == 403
    assert client.get("/scrubs/jobs/a1b2c3/status.json").status_code == 403


def test_a_failed_scrub_shows_its_error_and_its_line(client: TestClient, rt: Runtime) -> None:
    make_user(rt, "cora", "compliance")
    sign_in(client, "cora")
    answer = upload(client, b"name,phone\nAnn,207-784-1234\nB\xffb,207-784-1235\n")
    assert answer.status_code == 422  # type: ignore[attr-defined]
    text = answer.text  # type: ignore[attr-defined]
    assert "line 3" in text and "not UTF-8" in text and "Traceback" not in text
    assert re.search(r"Nothing was recorded", text)
    folder = rt.settings.data_dir / "scrubs"
    assert not [p for p in folder.rglob("*") if p.suffix in (".csv", ".upload", ".part")]
