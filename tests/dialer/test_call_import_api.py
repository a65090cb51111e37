"""`POST /api/v1/calls/imports`: the same import through an upload, for the roles that record."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest
from dialer_fixtures import Cdr, master_csv
from fastapi.testclient import TestClient
from served import Server, callkeep

FORM = {
    "format": "asterisk-cdr",
    "campaign": "heat-pumps",
    "telemarketer": "Claire F.",
    "timezone": "America/New_York",
}


def master() -> bytes:
    unanswered = Cdr(
        dst="2075550124",
        answer=None,
        end=datetime(2026, 11, 2, 9, 0, 30),
        disposition="NO ANSWER",
        uniqueid="1762092120.2",
    )
    return (master_csv([Cdr(), unanswered]) + '"broken\n').encode()


def bearer(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


def test_an_upload_answers_counts_and_each_lines_problem(floor, client: TestClient, tokens) -> None:
    files = {"file": ("Master.csv", master(), "text/csv")}
    response = client.post(
        "/api/v1/calls/imports", data=FORM, files=files, headers=bearer(tokens, "dialer")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["lines"], body["imported"], body["repeats"], body["problems"]) == (3, 2, 0, 1)
    assert (
        body["first_problems"][0]["line"] == 3 and body["first_problems"][0]["file"] == "Master.csv"
    )
    again = client.post(
        "/api/v1/calls/imports", data=FORM, files=files, headers=bearer(tokens, "admin")
    )
    assert (again.json()["imported"], again.json()["repeats"]) == (0, 2)
    listed = client.get("/api/v1/calls", headers=bearer(tokens, "admin")).json()
    assert listed["total"] == 2


@pytest.mark.parametrize("role", ["agent", "auditor"])
def test_roles_that_do_not_import_are_refused(floor, client: TestClient, tokens, role: str) -> None:
    files = {"file": ("Master.csv", master(), "text/csv")}
    response = client.post(
        "/api/v1/calls/imports", data=FORM, files=files, headers=bearer(tokens, role)
    )
    assert response.status_code == 403
    assert client.post("/api/v1/calls/imports", data=FORM, files=files).status_code == 401


def test_unusable_input_is_a_422_naming_it(floor, client: TestClient, tokens) -> None:
    files = {"file": ("Master.csv", master(), "text/csv")}
    headers = bearer(tokens, "compliance")
    no_zone = {**FORM, "timezone": "Mars/Olympus"}
    response = client.post("/api/v1/calls/imports", data=no_zone, files=files, headers=headers)
    assert (
        response.status_code == 422 and response.json()["error"]["fields"][0]["field"] == "timezone"
    )
    wrong = client.post(
        "/api/v1/calls/imports", data={**FORM, "format": "excel"}, files=files, headers=headers
    )
    assert wrong.status_code == 422 and "format" in wrong.text
    garbage = {"file": ("Master.csv", b"nothing here\n", "text/csv")}
    refused = client.post("/api/v1/calls/imports", data=FORM, files=garbage, headers=headers)
    assert refused.status_code == 422 and "no call could be imported" in refused.text


def test_a_csv_upload_takes_its_map_as_a_file(floor, client: TestClient, tokens) -> None:
    text = b"Phone,Start,Secs,Result\n2075550101,2026-11-02T09:00:00-05:00,61,answered_person\n"
    mapping = b'Phone = "called_number"\nStart = "started_at"\nSecs = "duration_seconds"\nResult = "disposition"\n'
    response = client.post(
        "/api/v1/calls/imports",
        data={"format": "csv", "campaign": "heat-pumps", "telemarketer": "Claire F."},
        files=[
            ("file", ("calls.csv", text, "text/csv")),
            ("map", ("map.toml", mapping, "text/plain")),
        ],
        headers=bearer(tokens, "dialer"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["imported"] == 1


def test_a_served_callkeep_imports_an_upload_as_a_new_user_would(tmp_path) -> None:
    data = tmp_path / "data"
    callkeep(data, "sellers", "add", "Androscoggin Home Energy", "--slug", "andro", "--default")
    callkeep(
        data,
        "campaigns",
        "add",
        "heat-pumps",
        "--subject",
        "heat pumps",
        "--dialing-mode",
        "predictive",
    )
    token = callkeep(data, "token", "create", "--role", "dialer").strip().splitlines()[-1]
    with Server(data) as running:
        response = httpx.post(
            f"{running.url}/api/v1/calls/imports",
            data=FORM,
            files={"file": ("Master.csv", master(), "text/csv")},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
    assert response.status_code == 200, response.text
    assert response.json()["imported"] == 2
