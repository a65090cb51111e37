"""The staff pages behind the browser tests, on SQLite and PostgreSQL: what each role sees and
may change, and bad input answered with a page that changes nothing."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from staff_login import form_token, make_user, sign_in

from callkeep.auth import service
from callkeep.auth.models import AccessRecord, ApiToken
from callkeep.kit.clock import utcnow
from callkeep.kit.runtime import Runtime
from callkeep.records.calls import service as calls
from callkeep.records.parties import sellers
from callkeep.records.schemas import CallIn


def record_calls(
    rt: Runtime, seller: str, numbers: list[str], disposition: str, actor: str = "test"
) -> None:
    start = utcnow() - timedelta(days=1)
    batch = [
        CallIn.model_validate(
            {
                "seller": seller,
                "telemarketer_name": "Claire",
                "subject": "heat pumps",
                "consumer_or_business": "consumer",
                "outbound": True,
                "prerecorded": False,
                "calling_number": "+12077840100",
                "called_number": number,
                "started_at": (start + timedelta(minutes=i)).isoformat(),
                "duration_seconds": 30,
                "caller_id_number": "+12077840100",
                "disposition": disposition,
            }
        )
        for i, number in enumerate(numbers)
    ]
    with rt.db.transaction() as s:
        calls.record_calls(session=s, actor=actor, calls=batch)


def test_a_supervisor_sees_only_the_assigned_sellers_calls(client: TestClient, rt: Runtime) -> None:
    record_calls(rt, "acme", ["+12077841001", "+12077841002"], "answered_person")
    record_calls(rt, "birch", ["+12077842001"], "dropped")
    make_user(rt, "sue", "supervisor")
    with rt.db.transaction() as s:
        acme = sellers.seller_view(session=s, ref="acme")
        service.assign_scope(
            session=s, actor="t", username="sue", seller_id=str(acme["id"]), campaign_id=None
        )
    sign_in(client, "sue")
    page = client.get("/calls").text
    assert "+12077841001" in page and "+12077842001" not in page
    assert client.get("/calls?seller=birch").status_code == 422
    dashboard = client.get("/dashboard/calls.csv").text
    assert dashboard.splitlines()[0] == "day,answered_person,total"
    assert sum(int(line.rsplit(",", 1)[1]) for line in dashboard.splitlines()[1:]) == 2


def test_the_dashboard_csv_matches_its_table(client: TestClient, rt: Runtime) -> None:
    record_calls(rt, "acme", ["+12077841001", "+12077841002", "+12077841003"], "dropped")
    record_calls(rt, "acme", ["+12077841004"], "answered_person")
    make_user(rt, "cora", "compliance")
    sign_in(client, "cora")
    rows = client.get("/dashboard/abandonment.csv").text.splitlines()
    assert rows == ["campaign,answered,abandoned,rate %,over 3%", "(no campaign),4,3,75.0,yes"]
    assert "75.0" in client.get("/").text


def test_an_agent_records_a_dnc_request_from_the_page(client: TestClient, rt: Runtime) -> None:
    make_user(rt, "amy", "agent")
    sign_in(client, "amy")
    token = form_token(client.get("/dnc-requests").text)
    response = client.post(
        "/dnc-requests",
        data={"csrf": token, "phone": "207-784-1299", "seller": "acme", "name": "Jo"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "+12077841299" in client.get("/dnc-requests").text
    check = client.post(
        "/check", data={"csrf": token, "phone": "207-784-1299", "seller": "acme"}
    ).text
    assert "entity_dnc" in check


def test_a_token_is_shown_once_and_only_its_hash_is_kept(client: TestClient, rt: Runtime) -> None:
    make_user(rt, "ada", "admin")
    sign_in(client, "ada")
    token = form_token(client.get("/tokens").text)
    created = client.post("/tokens", data={"csrf": token, "name": "dialer-7", "role": "dialer"})
    assert created.status_code == 201
    secret = created.text.split('data-testid="secret">')[1].split("<")[0]
    assert secret.startswith("ck_")
    assert secret not in client.get("/tokens").text
    with rt.db.transaction(read_only=True) as s:
        assert s.scalar(select(func.count()).where(ApiToken.token_hash == secret)) == 0
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json()["role"]
        == "dialer"
    )


def test_an_upload_of_the_wrong_kind_gets_a_clear_page(client: TestClient, rt: Runtime) -> None:
    make_user(rt, "cora", "compliance")
    sign_in(client, "cora")
    token = form_token(client.get("/scrubs").text)
    response = client.post(
        "/scrubs",
        data={"csrf": token, "seller": "acme"},
        files={"file": ("leads.csv", b"\x89PNG\r\n\x1a\n\x00\x00binary", "text/csv")},
    )
    assert 400 <= response.status_code < 500
    assert "text/html" in response.headers["content-type"]
    assert "Traceback" not in response.text


def test_reading_a_contact_is_in_the_access_log(client: TestClient, rt: Runtime) -> None:
    from callkeep.records.parties import people
    from callkeep.records.parties.schemas import ContactIn

    with rt.db.transaction() as s:
        contact = people.create_contact(
            session=s,
            actor="user:amy",  # amy recorded her, so amy works her
            contact_in=ContactIn.model_validate({"names": ["Jane Roe"], "phones": ["2077841234"]}),
        )
        contact_id = contact.id
    make_user(rt, "amy", "agent")
    make_user(rt, "aud", "auditor")
    sign_in(client, "amy")
    assert "Jane Roe" in client.get(f"/contacts/{contact_id}").text
    with rt.db.transaction(read_only=True) as s:
        seen = s.scalars(
            select(AccessRecord.recorded_by).where(AccessRecord.entity_id == contact_id)
        ).all()
    assert "user:amy" in seen
    client.cookies.clear()
    sign_in(client, "aud")
    log = client.get("/access-log?who=amy&kind=read").text
    assert contact_id in log
    assert contact_id not in client.get("/access-log?who=nobody&kind=read").text
