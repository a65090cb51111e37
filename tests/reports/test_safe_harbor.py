"""Safe-harbor evidence: versioned written procedures and training records, kept by compliance,
read by auditors, carried by the report."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from callkeep.kit.runtime import Runtime
from callkeep.reports import compliance
from tests.reports.seeded import seed


def _h(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


def test_procedures_are_versioned_and_training_names_its_version(
    rt: Runtime, client: TestClient, tokens: dict[str, str]
) -> None:
    seed(rt)
    body = {
        "slug": "dnc-list",
        "title": "Company DNC list",
        "content": "v1 text",
        "effective_at": "2026-06-01T00:00:00Z",
    }
    first = client.post("/api/v1/procedures", json=body, headers=_h(tokens, "compliance"))
    assert first.status_code == 201 and first.json()["version"] == 1
    body |= {"content": "v2 text", "effective_at": "2026-07-08T00:00:00Z"}
    second = client.post("/api/v1/procedures", json=body, headers=_h(tokens, "compliance"))
    assert second.json()["version"] == 2
    trained = client.post(
        "/api/v1/trainings",
        json={
            "trainee": "Claire",
            "procedure": "dnc-list",
            "version": 1,
            "trained_at": "2026-06-02T15:00:00Z",
            "trainer": "Dana",
        },
        headers=_h(tokens, "compliance"),
    )
    assert trained.status_code == 201, trained.text
    assert trained.json()["version"] == 1
    listed = client.get("/api/v1/procedures", headers=_h(tokens, "auditor")).json()
    assert [(p["version"], p["content"]) for p in listed] == [(1, "v1 text"), (2, "v2 text")]
    assert (
        client.get("/api/v1/trainings", headers=_h(tokens, "auditor")).json()[0]["trainee"]
        == "Claire"
    )
    # an auditor reads, never writes; an agent does neither
    refused = client.post("/api/v1/procedures", json=body, headers=_h(tokens, "auditor"))
    assert refused.status_code == 403
    assert client.get("/api/v1/trainings", headers=_h(tokens, "agent")).status_code == 403
    bad = client.post(
        "/api/v1/procedures", json={**body, "slug": "Bad Slug"}, headers=_h(tokens, "compliance")
    )
    assert bad.status_code == 422 and "slug" in bad.text
    unknown = client.post(
        "/api/v1/trainings",
        json={"trainee": "x", "procedure": "nope", "trained_at": "2026-06-02T15:00:00Z"},
        headers=_h(tokens, "compliance"),
    )
    assert unknown.status_code == 404
    # the report shows the version in force at the end of its period, and the training
    with rt.db.transaction() as s:
        scope = compliance.period(
            session=s,
            date_from=date(2026, 7, 1),
            date_to=date(2026, 7, 5),
            seller=None,
            campaign=None,
        )
        harbor = compliance.build(session=s, actor="t", scope=scope)["safe_harbor"]
    assert [(p["slug"], p["version"]) for p in harbor["procedures"]] == [("dnc-list", 1)]
    assert [(t["trainee"], t["version"]) for t in harbor["trainings"]] == [("Claire", 1)]


def test_holds_through_the_api(rt: Runtime, client: TestClient, tokens: dict[str, str]) -> None:
    seed(rt)
    made = client.post(
        "/api/v1/holds",
        json={"campaign": "heat", "reason": "subpoena"},
        headers=_h(tokens, "compliance"),
    )
    assert made.status_code == 201, made.text
    hold = made.json()
    assert hold["scope"] == "campaign" and hold["released_at"] is None
    two = client.post(
        "/api/v1/holds",
        json={"campaign": "heat", "phone": "2075550111", "reason": "x"},
        headers=_h(tokens, "compliance"),
    )
    assert two.status_code == 422
    assert (
        client.post(
            "/api/v1/holds", json={"seller": "acme", "reason": "x"}, headers=_h(tokens, "agent")
        ).status_code
        == 403
    )
    released = client.post(f"/api/v1/holds/{hold['id']}/release", headers=_h(tokens, "compliance"))
    assert released.status_code == 200 and released.json()["released_at"]
    again = client.post(f"/api/v1/holds/{hold['id']}/release", headers=_h(tokens, "compliance"))
    assert again.status_code == 422


def test_the_commands_record_procedures_and_training(rt: Runtime, tmp_path: Path) -> None:
    seed(rt)
    env = {
        "CALLKEEP_DATA_DIR": str(rt.settings.data_dir),
        "CALLKEEP_DATABASE_URL": rt.settings.database_url,
        "PATH": "/usr/bin:/bin",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "callkeep", *args], capture_output=True, text=True, env=env
        )

    text = tmp_path / "dnc.md"
    text.write_text("We put every request on the list the moment it is made.\n")
    added = run("procedures", "add", "dnc-list", "--file", str(text), "--title", "DNC list")
    assert added.returncode == 0 and "version 1" in added.stdout
    trained = run(
        "training", "add", "Claire", "--procedure", "dnc-list", "--at", "2026-06-02T15:00:00Z"
    )
    assert trained.returncode == 0, trained.stderr
    assert "Claire" in run("training", "list").stdout
    assert "dnc-list" in run("procedures", "list").stdout
    missing = run("procedures", "add", "x", "--file", str(tmp_path / "none"), "--title", "t")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    contract = run(
        "contracts",
        "add",
        "Dial Co",
        "--goods",
        "heat pumps",
        "--signed",
        "2026-05-01T00:00:00Z",
        "--effective",
        "2026-05-01T00:00:00Z",
        "--expires",
        "2027-05-01T00:00:00Z",
    )
    assert contract.returncode == 0, contract.stderr
