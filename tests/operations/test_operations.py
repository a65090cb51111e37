"""What an operator sees: /healthz alive, /readyz ready or why not, /metrics for those who run
the business, and a request id on every answer and every log line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from callkeep.backup import service as backup_service
from callkeep.bootstrap import ensure_default_seller
from callkeep.kit.clock import utcnow
from callkeep.kit.observability import JsonLines
from callkeep.kit.runtime import Runtime
from callkeep.ledger import checkpoints
from callkeep.lists import index
from callkeep.operations import service

H = dict[str, str]


def _bearer(tokens: dict[str, str], role: str) -> H:
    return {"Authorization": f"Bearer {tokens[role]}"}


def _import_national(client: TestClient, tokens: dict[str, str], days_old: int) -> None:
    as_of = (utcnow() - timedelta(days=days_old)).date().isoformat()
    response = client.post(
        "/api/v1/lists/imports",
        params={"list": "national", "as_of": as_of},
        files={"file": ("207.txt", b"207,5550134\n207,5550135\n", "text/plain")},
        headers=_bearer(tokens, "compliance"),
    )
    assert response.status_code == 201, response.text


def test_healthz_says_alive_with_no_credentials(client: TestClient) -> None:
    alive = client.get("/healthz")
    assert alive.status_code == 200 and alive.json()["status"] == "ok"


def test_a_server_without_a_national_registry_is_not_ready_and_says_why(
    client: TestClient,
) -> None:
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["ready"] is False
    assert any("no national registry" in r for r in answer.json()["reasons"])


def test_a_server_with_a_fresh_registry_loaded_is_ready(
    client: TestClient, tokens: dict[str, str]
) -> None:
    _import_national(client, tokens, days_old=3)
    answer = client.get("/readyz")
    assert answer.status_code == 200, answer.json()
    assert answer.json() == {
        "ready": True,
        "reasons": [],
        "lists": {"national": answer.json()["lists"]["national"]},
    }


def test_a_registry_past_its_safe_harbor_makes_the_server_not_ready(
    client: TestClient, tokens: dict[str, str]
) -> None:
    _import_national(client, tokens, days_old=40)
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert any("40 days old" in r for r in answer.json()["reasons"])


def test_a_list_whose_index_file_is_gone_makes_the_server_not_ready(
    client: TestClient, tokens: dict[str, str], rt: Runtime
) -> None:
    _import_national(client, tokens, days_old=1)
    for snapshot in Path(rt.settings.snapshot_dir).iterdir():
        snapshot.unlink()
    index.CACHE.clear()
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert any(r.startswith("list national") for r in answer.json()["reasons"])


def test_metrics_are_for_those_who_run_the_business_not_for_dialers_or_agents(
    client: TestClient, tokens: dict[str, str]
) -> None:
    assert client.get("/metrics").status_code == 401
    for role in ("dialer", "agent"):
        assert client.get("/metrics", headers=_bearer(tokens, role)).status_code == 403
    for role in ("admin", "compliance", "auditor"):
        assert client.get("/metrics", headers=_bearer(tokens, role)).status_code == 200


def _samples(text: str) -> dict[str, float]:
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            found[name] = float(value)
    return found


def test_metrics_count_checks_by_result_and_reason_and_time_them(
    rt: Runtime, client: TestClient, tokens: dict[str, str]
) -> None:
    ensure_default_seller(rt)  # as `db upgrade` leaves the database: checks need a seller
    _import_national(client, tokens, days_old=2)  # in force now, when the checks ask
    dialer = _bearer(tokens, "dialer")
    client.post("/api/v1/checks", json={"phone": "+12075550134"}, headers=dialer)
    client.post("/api/v1/checks", json={"phone": "not a number"}, headers=dialer)
    client.post("/api/v1/checks/batch", json={"phones": ["+12075550135"]}, headers=dialer)
    samples = _samples(client.get("/metrics", headers=_bearer(tokens, "auditor")).text)
    assert samples['callkeep_checks_total{result="blocked"}'] == 3
    assert samples['callkeep_check_reasons_total{reason="invalid_number"}'] == 1
    assert samples['callkeep_check_reasons_total{reason="national_dnc"}'] >= 2
    timed = 'callkeep_http_request_duration_seconds_count{method="POST",route="/api/v1/checks",status="200"}'
    assert samples[timed] == 2
    assert samples['callkeep_list_numbers{list="national"}'] == 2
    assert samples['callkeep_list_age_days{list="national"}'] == 2
    assert samples["callkeep_ledger_entries"] > 0


def test_unknown_paths_are_timed_under_one_label(
    client: TestClient, tokens: dict[str, str]
) -> None:
    for n in range(3):
        client.get(f"/no/such/path/{n}")
    samples = _samples(client.get("/metrics", headers=_bearer(tokens, "admin")).text)
    unmatched = [
        k for k in samples if 'route="unmatched"' in k and k.endswith("_count" + k[k.index("{") :])
    ]
    assert len(unmatched) == 1 and samples[unmatched[0]] == 3
    assert not any("/no/such/path" in k for k in samples)


def test_a_request_id_is_kept_when_plain_and_made_when_absent_or_hostile(
    client: TestClient, tokens: dict[str, str]
) -> None:
    dialer = _bearer(tokens, "dialer")
    kept = client.post(
        "/api/v1/checks", json={"phone": "x"}, headers={**dialer, "X-Request-ID": "dialer-7.42"}
    )
    assert kept.headers["x-request-id"] == "dialer-7.42"
    made = client.get("/healthz")
    hostile = client.get("/healthz", headers={"X-Request-ID": 'a"}, {"level": "x' + "y" * 200})
    assert len(made.headers["x-request-id"]) == 24
    assert hostile.headers["x-request-id"] != made.headers["x-request-id"]
    assert len(hostile.headers["x-request-id"]) == 24


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Every log line written during the test, as the server writes them (JSON)."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    root.addHandler(handler)
    yield out
    root.removeHandler(handler)


def test_an_unexpected_error_is_a_json_500_with_the_id_and_its_log_line_names_the_id(
    client: TestClient, log_lines: io.StringIO
) -> None:
    def broken() -> None:
        logging.getLogger("callkeep.test").warning("about to fail")
        raise RuntimeError("secret detail 4242")

    client.app.add_api_route("/broken", broken)  # type: ignore[attr-defined]
    answer = client.get("/broken", headers={"X-Request-ID": "req-500"})
    assert answer.status_code == 500
    assert answer.headers["x-request-id"] == "req-500"
    assert answer.json()["error"]["code"] == "internal_error"
    assert "secret detail" not in answer.text and "Traceback" not in answer.text
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    mine = [line for line in lines if line["request_id"] == "req-500"]
    assert {line["message"] for line in mine} >= {
        "about to fail",
        "the request failed: GET /broken",
    }
    assert any("secret detail 4242" in line.get("exception", "") for line in mine)


def test_scheduled_backups_behind_by_twice_their_interval_make_the_server_not_ready(
    client: TestClient, tokens: dict[str, str], rt: Runtime, tmp_path: Path
) -> None:
    _import_national(client, tokens, days_old=1)
    assert client.get("/readyz").status_code == 200  # no schedule: backups are not asked for
    rt.settings.backup_schedule = "hourly"
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert any("no good backup" in r for r in answer.json()["reasons"])
    backup_service.create_verified(rt=rt, out=tmp_path / "now.ckbackup")
    assert client.get("/readyz").status_code == 200, client.get("/readyz").json()
    later = service.readiness(db=rt.db, settings=rt.settings, now=utcnow() + timedelta(hours=3))
    assert not later.ready
    assert any("more than twice the schedule's interval (3600 seconds)" in r for r in later.reasons)
    soon = service.readiness(db=rt.db, settings=rt.settings, now=utcnow() + timedelta(minutes=90))
    assert soon.ready, soon.reasons


def test_metrics_give_the_ages_of_the_last_checkpoint_and_the_last_good_backup(
    client: TestClient, tokens: dict[str, str], rt: Runtime, tmp_path: Path
) -> None:
    _import_national(client, tokens, days_old=1)
    before = _samples(client.get("/metrics", headers=_bearer(tokens, "admin")).text)
    assert "callkeep_backup_age_seconds" not in before
    checkpoints.make(rt=rt)
    backup_service.create_verified(rt=rt, out=tmp_path / "now.ckbackup")
    after = _samples(client.get("/metrics", headers=_bearer(tokens, "admin")).text)
    assert 0 <= after["callkeep_checkpoint_age_seconds"] < 120
    assert 0 <= after["callkeep_backup_age_seconds"] < 120
