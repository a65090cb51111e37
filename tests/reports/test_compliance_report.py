"""The compliance report finds exactly the seeded July's violations, records and windows."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from pypdf import PdfReader

from callkeep.kit.clock import utcnow
from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger
from callkeep.records.calls import service as calls
from callkeep.reports import charts, compliance, pdf
from callkeep.reports.models import RecordFinding
from tests.reports.seeded import seed

JULY = {"date_from": date(2026, 7, 1), "date_to": date(2026, 7, 31)}


def _report(rt: Runtime, now: datetime | None = None, **filters: Any) -> dict[str, Any]:
    with rt.db.transaction() as s:
        scope = compliance.period(
            session=s,
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
            seller=filters.get("seller"),
            campaign=filters.get("campaign"),
        )
        return compliance.build(session=s, actor="compliance", scope=scope, now=now)


def test_the_report_finds_every_seeded_violation(rt: Runtime) -> None:
    world = seed(rt)
    report = _report(rt, **JULY, seller="acme")
    assert report["period"] == {"from": "2026-07-01", "to": "2026-07-31"}
    assert report["seller"] == "acme" and report["campaign"] is None
    assert report["calls"] == 8
    found = {v["call_id"]: v["codes"] for v in report["violations"]}
    ids = world.ids
    assert found == {
        ids["c2"]: ["national_dnc", "no_decision"],
        ids["c3"]: ["calling_hours", "decision_mismatch"],
        ids["c5"]: ["decision_mismatch"],
        ids["c7"]: ["national_dnc", "decision_blocked"],
    }
    c2 = next(v for v in report["violations"] if v["call_id"] == ids["c2"])
    assert c2["called_number"] == "+12075550111" and c2["started_at"] == "2026-07-06T14:10:00Z"
    assert c2["citations"][0] == "16 CFR 310.4(b)(1)(iii)(B)"


def test_abandonment_windows_run_from_the_campaigns_first_call(rt: Runtime) -> None:
    seed(rt)
    report = _report(rt, **JULY)
    assert [
        (w["campaign"], w["window_start"], w["window_end"], w["answered"], w["abandoned"])
        for w in report["abandonment"]
    ] == [("heat", "2026-07-06", "2026-08-04", 7, 2)]
    window = report["abandonment"][0]
    assert window["rate"] == round(2 / 7, 6) and window["over_limit"] is True
    rolling = report["abandonment_rolling"][0]
    # 1 of 3 by 7 July equals 2 of 6 by 9 July: the earliest of the worst is given
    assert (rolling["window_start"], rolling["window_end"]) == ("2026-06-08", "2026-07-07")
    assert (rolling["answered"], rolling["abandoned"]) == (3, 1)


def test_the_registry_age_is_given_for_every_calling_day(rt: Runtime) -> None:
    seed(rt)
    report = _report(rt, **JULY)
    assert [(d["day"], d["age_days"], d["stale"]) for d in report["registry"]] == [
        ("2026-07-06", 16, False),
        ("2026-07-07", 17, False),
        ("2026-07-08", 18, False),
        ("2026-07-09", 19, False),
        ("2026-07-10", 20, False),
    ]
    assert all(d["versions"] == [d["version"]] for d in report["registry"])


def test_an_incomplete_record_is_corrected_only_within_30_days_of_its_finding(
    rt: Runtime,
) -> None:
    world = seed(rt)
    first = _report(rt, **JULY)
    missing = {r["call_id"]: (r["missing"], r["corrected"]) for r in first["incomplete_records"]}
    assert missing == {
        world.ids["c4"]: (["script"], False),
        world.ids["c8"]: (["prerecorded_message"], False),
    }
    with rt.db.transaction() as s:
        calls.amend_call(
            session=s,
            actor="compliance",
            call_id=world.ids["c4"],
            changes={"script_version_id": world.script_id},
            reason="the agent read the opening script",
        )
    again = _report(rt, **JULY)
    corrected = {r["call_id"]: r["corrected"] for r in again["incomplete_records"]}
    assert corrected == {world.ids["c4"]: True, world.ids["c8"]: False}
    # the finding is kept once, from the first report, through the ledger
    with rt.db.transaction(read_only=True) as s:
        findings = s.query(RecordFinding).all()
        assert len(findings) == 2
        assert ledger.verify(session=s).intact


def test_a_correction_after_30_days_does_not_count(rt: Runtime) -> None:
    world = seed(rt)
    _report(rt, **JULY, now=datetime(2026, 8, 1, tzinfo=UTC))  # found on 1 August
    with rt.db.transaction() as s:
        calls.amend_call(
            session=s,
            actor="compliance",
            call_id=world.ids["c4"],
            changes={"script_version_id": world.script_id},
            reason="late",
        )
    again = _report(rt, **JULY)
    row = next(r for r in again["incomplete_records"] if r["call_id"] == world.ids["c4"])
    assert row["found_at"] == "2026-08-01T00:00:00Z" and row["corrected"] is False


def test_dnc_requests_are_counted_against_their_deadlines(rt: Runtime) -> None:
    from callkeep.requests import service as requests_service
    from callkeep.requests.models import DncRequest
    from callkeep.requests.schemas import DncRequestCreate

    seed(rt)
    now = utcnow()
    with rt.db.transaction() as s:
        for phone, received in (("+12075550191", None), ("+12075550192", "2026-07-10T15:00:00Z")):
            requests_service.record_request(
                session=s,
                actor="agent",
                request_in=DncRequestCreate.model_validate(
                    {"phone": phone, "seller": "acme", "received_at": received}
                ),
            )
        seller_id = s.query(DncRequest).first().seller_id  # type: ignore[union-attr]
        for phone, received, deadline in (
            ("+12075550193", now, date(2100, 1, 1)),
            ("+12075550194", datetime(2026, 7, 13, 15, tzinfo=UTC), date(2026, 7, 27)),
        ):
            ledger.record(
                session=s,
                actor="import",
                entity=DncRequest(
                    seller_id=seller_id,
                    seller_slug="acme",
                    phone=phone,
                    channel="letter",
                    received_at=received,
                    confirmation_code=phone[-8:],
                    deadline=deadline,
                    honored_at=None,
                    retain_until=date(2031, 7, 13),
                    recorded_by="import",
                ),
            )
    report = _report(rt, date_from=date(2026, 7, 1), date_to=now.date())
    assert report["dnc_requests"] == {"received": 4, "met": 1, "open": 1, "overdue": 2}


def test_the_pdf_carries_the_same_figures(rt: Runtime, tmp_path: Path) -> None:
    world = seed(rt)
    report = _report(rt, **JULY)
    out = tmp_path / "report.pdf"
    pdf.write(report, out)
    assert out.stat().st_mode & 0o777 == 0o600
    text = " ".join(page.extract_text() for page in PdfReader(out).pages)
    flat = " ".join(text.split())
    assert "Calls: 8" in flat and "Violations: 4" in flat and "Incomplete records: 2" in flat
    for name in ("c2", "c3", "c5", "c7", "c4", "c8"):
        assert world.ids[name] in flat
    assert "0.2857" in flat and "2026-07-06" in flat
    for code in ("national_dnc", "decision_mismatch", "decision_blocked", "calling_hours"):
        assert code in flat


def test_the_charts_are_svg(rt: Runtime) -> None:
    seed(rt)
    report = _report(rt, **JULY)
    for name, chart in charts.CHARTS.items():
        svg = chart(report)
        assert svg.lstrip().startswith("<svg"), name


def test_the_api_serves_the_report_to_report_readers_only(
    rt: Runtime, client: TestClient, tokens: dict[str, str]
) -> None:
    world = seed(rt)
    query = "/api/v1/reports/compliance?from=2026-07-01&to=2026-07-31&seller=acme&campaign=heat"
    for role in ("admin", "compliance", "auditor"):
        answer = client.get(query, headers={"Authorization": f"Bearer {tokens[role]}"})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["calls"] == 8 and body["campaign"] == "heat"
        assert {v["call_id"] for v in body["violations"]} == {
            world.ids[c] for c in ("c2", "c3", "c5", "c7")
        }
    for role in ("agent", "dialer"):
        answer = client.get(query, headers={"Authorization": f"Bearer {tokens[role]}"})
        assert answer.status_code == 403
    bad = client.get(
        "/api/v1/reports/compliance?from=2026-08-01&to=2026-07-01",
        headers={"Authorization": f"Bearer {tokens['admin']}"},
    )
    assert bad.status_code == 422 and "error" in bad.json()


def test_the_command_prints_the_same_report(rt: Runtime, tmp_path: Path) -> None:
    seed(rt)
    env = {
        "CALLKEEP_DATA_DIR": str(rt.settings.data_dir),
        "CALLKEEP_DATABASE_URL": rt.settings.database_url,
        "PATH": "/usr/bin:/bin",
    }
    args = ["report", "compliance", "--from", "2026-07-01", "--to", "2026-07-31"]
    out = tmp_path / "r.pdf"
    made = subprocess.run(
        [sys.executable, "-m", "callkeep", *args, "--json", "--pdf", str(out)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert made.returncode == 0, made.stderr
    body = json.loads(made.stdout)
    assert body["calls"] == 8 and len(body["violations"]) == 4 and out.exists()
    summary = subprocess.run(
        [sys.executable, "-m", "callkeep", *args], capture_output=True, text=True, env=env
    )
    assert summary.returncode == 0 and "8 calls, 4 with violations" in summary.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "callkeep", "report", "compliance", "--from", "July"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
