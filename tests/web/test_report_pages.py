"""The `/reports` page and its downloads, and the checkpoint and backup on `/audit`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from staff_login import form_token, make_user, sign_in
from test_staff_pages import record_calls

from callkeep.backup import service as backup_service
from callkeep.kit.clock import utcnow
from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger_service


def test_the_report_page_shows_the_apis_report_and_links_each_violation(
    client: TestClient, rt: Runtime, admin_headers: dict[str, str]
) -> None:
    record_calls(rt, "acme", ["+12077841001", "+12077841002"], "dropped")
    make_user(rt, "aud", "auditor")
    sign_in(client, "aud")
    first = (utcnow() - timedelta(days=3)).date().isoformat()
    query = f"from={first}&seller=acme"
    api = client.get(f"/api/v1/reports/compliance?{query}", headers=admin_headers).json()
    assert api["calls"] == 2 and len(api["violations"]) == 2
    html = client.get(f"/reports?{query}").text
    assert f'data-testid="figure-calls">{api["calls"]}<' in html
    for violation in api["violations"]:
        assert f'href="/calls/{violation["call_id"]}"' in html
    assert "no_decision" in html
    mine = client.get(f"/reports/compliance.json?{query}").json()
    theirs = client.get(f"/api/v1/reports/compliance?{query}", headers=admin_headers).json()
    mine.pop("generated_at"), theirs.pop("generated_at")
    assert mine == theirs
    made = client.get(f"/reports/compliance.pdf?{query}")
    assert made.headers["content-type"] == "application/pdf" and made.content[:5] == b"%PDF-"
    for name in ("violations", "abandonment", "registry_age", "dnc_requests"):
        chart = client.get(f"/reports/charts/{name}.svg?{query}")
        assert chart.status_code == 200 and "<svg" in chart.text, name
        assert chart.headers["content-type"].startswith("image/svg+xml")
    assert client.get("/reports/charts/nothing.svg").status_code == 404
    record_calls(rt, "acme", ["+12077841003"], "answered_person")  # a write: built afresh
    assert 'data-testid="figure-calls">3<' in client.get(f"/reports?{query}").text


def test_the_report_is_refused_to_agents_and_bad_filters_get_a_clear_page(
    client: TestClient, rt: Runtime
) -> None:
    make_user(rt, "amy", "agent")
    sign_in(client, "amy")
    assert "/reports" not in client.get("/").text
    for path in ("/reports", "/reports/compliance.json", "/reports/compliance.pdf"):
        assert client.get(path).status_code == 403, path
    client.cookies.clear()
    assert client.get("/reports", follow_redirects=False).status_code == 303
    make_user(rt, "cora", "compliance")
    sign_in(client, "cora")
    assert 'href="/reports"' in client.get("/").text
    bad = client.get("/reports?from=yesterday")
    assert bad.status_code == 422 and "is not a day" in bad.text
    backwards = client.get("/reports?from=2026-11-30&to=2026-11-01")
    assert backwards.status_code == 422 and "after the end date" in backwards.text
    unknown = client.get("/reports?seller=nobody")
    assert unknown.status_code == 422 and "nobody" in unknown.text


def test_audit_shows_the_checkpoint_and_the_backup_and_officers_sign_one_now(
    client: TestClient, rt: Runtime, tmp_path: Path
) -> None:
    make_user(rt, "cora", "compliance")
    make_user(rt, "aud", "auditor")
    sign_in(client, "aud")
    page = client.get("/audit").text
    assert "No backup has been verified yet" in page
    assert "Sign a checkpoint now" not in page
    token = form_token(page)
    assert client.post("/audit/checkpoint", data={"csrf": token}).status_code == 403
    client.cookies.clear()
    sign_in(client, "cora")
    token = form_token(client.get("/audit").text)
    forged = client.post("/audit/checkpoint", data={"csrf": "x" * 20})
    assert forged.status_code == 403
    done = client.post("/audit/checkpoint", data={"csrf": token}, follow_redirects=False)
    assert done.status_code == 303
    with rt.db.transaction(read_only=True) as s:
        latest = ledger_service.last_checkpoint(session=s)
    assert latest is not None
    backup_service.create_verified(rt=rt, out=tmp_path / "one.ckbackup")
    page = client.get(done.headers["location"]).text
    assert f'data-testid="checkpoint-size">{latest.size} entries' in page
    assert latest.root_hash in page and latest.made_at in page
    assert latest.note.splitlines()[0] in page
    assert "+" in page.split('data-testid="vkey">')[1].split("<")[0]
    assert str((tmp_path / "one.ckbackup").resolve()) in page
