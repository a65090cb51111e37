"""Who sees which contacts, calls and figures, the review queue, and the team report, on SQLite
and PostgreSQL: agents see the contacts they work, supervisors their sellers' and campaigns'."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from staff_login import form_token, make_user, sign_in
from test_staff_pages import record_calls

from callkeep.auth import service
from callkeep.auth.contact_reach import REFUSED
from callkeep.auth.models import AccessRecord
from callkeep.kit.clock import utcnow
from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger
from callkeep.records.parties import people, sellers
from callkeep.records.parties.schemas import ContactIn
from callkeep.requests.models import DncRequest, ReviewItem, ReviewResolution


def _contact(rt: Runtime, name: str, phone: str, actor: str = "test") -> str:
    with rt.db.transaction() as s:
        return people.create_contact(
            session=s,
            actor=actor,
            contact_in=ContactIn.model_validate({"names": [name], "phones": [phone]}),
        ).id


def _refusals(rt: Runtime, entity_id: str, kind: str = REFUSED) -> list[str]:
    with rt.db.transaction(read_only=True) as s:
        return list(
            s.scalars(
                select(AccessRecord.recorded_by).where(
                    AccessRecord.entity_type == kind, AccessRecord.entity_id == entity_id
                )
            )
        )


def test_an_agent_sees_only_the_contacts_they_work(client: TestClient, rt: Runtime) -> None:
    make_user(rt, "amy", "agent")
    mine = _contact(rt, "Jane Roe", "2077841234", actor="user:amy")
    other = _contact(rt, "John Roe", "2077845678")
    sign_in(client, "amy")
    found = client.get("/contacts?q=Roe").text
    assert "Jane Roe" in found and "John Roe" not in found
    assert client.get(f"/contacts/{mine}").status_code == 200
    refused = client.get(f"/contacts/{other}")
    assert refused.status_code == 403
    assert "not one you work" in refused.text and "John Roe" not in refused.text
    token = form_token(client.get(f"/contacts/{mine}").text)
    edit = client.post(
        f"/contacts/{other}/preferences",
        data={"csrf": token, "preferred_channel": "email", "reason": "asked"},
    )
    assert edit.status_code == 403
    assert _refusals(rt, other) == ["user:amy", "user:amy"]


def test_an_agent_works_the_contacts_their_campaigns_called(
    client: TestClient, rt: Runtime
) -> None:
    make_user(rt, "amy", "agent")
    called = _contact(rt, "Jane Roe", "2077841001")
    record_calls(rt, "acme", ["+12077841001"], "answered_person")
    with rt.db.transaction() as s:
        acme = sellers.seller_view(session=s, ref="acme")
        service.assign_scope(
            session=s, actor="t", username="amy", seller_id=str(acme["id"]), campaign_id=None
        )
    sign_in(client, "amy")
    assert client.get(f"/contacts/{called}").status_code == 200


def test_the_api_holds_an_agent_token_to_the_contacts_it_works(
    client: TestClient, rt: Runtime
) -> None:
    with rt.db.transaction() as s:
        _, secret = service.create_token(session=s, actor="t", name="desk-7", role="agent")
    headers = {"Authorization": f"Bearer {secret}"}
    mine = _contact(rt, "Jane Roe", "2077841234", actor="token:desk-7")
    other = _contact(rt, "John Roe", "2077845678")
    listed = client.get("/api/v1/contacts?name=Roe", headers=headers).json()
    assert [c["id"] for c in listed] == [mine]
    assert client.get(f"/api/v1/contacts/{mine}/timeline", headers=headers).status_code == 200
    for path in (f"/api/v1/contacts/{other}", f"/api/v1/contacts/{other}/timeline"):
        refused = client.get(path, headers=headers)
        assert refused.status_code == 403
        assert "not one you work" in refused.json()["error"]["message"]
    assert client.get("/api/v1/timeline?phone=2077845678", headers=headers).status_code == 403
    assert len(_refusals(rt, other)) == 3


def test_an_agent_amending_a_contact_they_do_not_work_is_refused_and_logged(
    client: TestClient, rt: Runtime
) -> None:
    # the amendment is a write: its refusal is logged beside the write transaction (SQLite
    # has one writer), never a 500 "database is locked"
    with rt.db.transaction() as s:
        _, secret = service.create_token(session=s, actor="t", name="desk-8", role="agent")
    other = _contact(rt, "John Roe", "2077845678")
    refused = client.post(
        f"/api/v1/contacts/{other}/amendments",
        json={"changes": {"city": "Lewiston"}, "reason": "moved"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert refused.status_code == 403, refused.text
    assert "not one you work" in refused.json()["error"]["message"]
    assert _refusals(rt, other) == ["token:desk-8"]


def test_a_supervisor_of_one_campaign_sees_its_calls_and_contacts(
    client: TestClient, rt: Runtime
) -> None:
    from datetime import timedelta

    from callkeep.records.calls import service as calls_service
    from callkeep.records.models import Call
    from callkeep.records.parties.schemas import CampaignIn
    from callkeep.records.schemas import CallIn

    with rt.db.transaction() as s:
        campaign = sellers.create_campaign(
            session=s,
            actor="t",
            campaign_in=CampaignIn.model_validate(
                {
                    "seller": "birch",
                    "slug": "windows",
                    "subject": "windows",
                    "dialing_mode": "manual",
                    "caller_id_number": "207-784-0100",
                    "caller_id_authorization": "ours",
                    "caller_id_authorized_from": "2026-01-01T00:00:00Z",
                }
            ),
        )
        campaign_id, birch_id = campaign.id, campaign.seller_id
    inside = _contact(rt, "Jane Roe", "2077842001")
    outside = _contact(rt, "John Roe", "2077842002")
    record_calls(rt, "birch", ["+12077842002"], "answered_person")  # no campaign
    with rt.db.transaction() as s:
        calls_service.record_calls(
            session=s,
            actor="test",
            calls=[
                CallIn.model_validate(
                    {
                        "seller": "birch",
                        "campaign": "windows",
                        "telemarketer_name": "Claire",
                        "subject": "windows",
                        "calling_number": "+12077840100",
                        "caller_id_number": "+12077840100",
                        "consumer_or_business": "consumer",
                        "outbound": True,
                        "prerecorded": False,
                        "called_number": "+12077842001",
                        "started_at": (utcnow() - timedelta(hours=2)).isoformat(),
                        "duration_seconds": 30,
                        "disposition": "answered_person",
                    }
                )
            ],
        )
    make_user(rt, "sue", "supervisor")
    with rt.db.transaction() as s:
        service.assign_scope(
            session=s, actor="t", username="sue", seller_id=birch_id, campaign_id=campaign_id
        )
        by_campaign = {c.campaign_id: c.id for c in s.scalars(select(Call))}
    sign_in(client, "sue")
    assert client.get(f"/calls/{by_campaign[campaign_id]}").status_code == 200
    assert client.get(f"/calls/{by_campaign[None]}").status_code == 404
    assert client.get(f"/contacts/{inside}").status_code == 200
    assert client.get(f"/contacts/{outside}").status_code == 403


def _review_item(rt: Runtime) -> str:
    with rt.db.transaction() as s:
        item = ReviewItem(
            channel="email",
            seller_slug="acme",
            source="jane@example.com",
            evidence="please stop calling 207 784 1234 or 207 784 5678",
            candidate_phones="+12077841234 +12077845678",
            reason="several numbers",
            received_at=utcnow(),
            recorded_by="test",
        )
        return ledger.record(session=s, actor="test", entity=item).id


def test_compliance_resolves_a_review_item_on_the_page(client: TestClient, rt: Runtime) -> None:
    item_id = _review_item(rt)
    make_user(rt, "cora", "compliance")
    sign_in(client, "cora")
    page = client.get("/review-queue")
    assert "several numbers" in page.text
    forged = client.post(
        f"/review-queue/{item_id}",
        data={"csrf": "forged", "outcome": "request", "phone": "2077841234", "why": "x"},
    )
    assert forged.status_code == 403
    no_reason = client.post(
        f"/review-queue/{item_id}",
        data={"csrf": form_token(page.text), "outcome": "request", "phone": "2077841234"},
    )
    assert no_reason.status_code == 422
    done = client.post(
        f"/review-queue/{item_id}",
        data={
            "csrf": form_token(page.text),
            "outcome": "request",
            "phone": "2077841234",
            "why": "she named her home number on the phone",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    with rt.db.transaction(read_only=True) as s:
        resolution = s.scalars(select(ReviewResolution)).one()
        assert (resolution.recorded_by, resolution.note, resolution.outcome) == (
            "user:cora",
            "she named her home number on the phone",
            "request",
        )
        assert s.scalars(select(DncRequest.phone)).all() == ["+12077841234"]
    assert "Nothing waits for review" in client.get("/review-queue").text
    again = client.post(
        f"/review-queue/{item_id}",
        data={"csrf": form_token(page.text), "outcome": "dismiss", "why": "twice"},
    )
    assert again.status_code == 409


def test_agents_and_auditors_may_not_resolve_review_items(client: TestClient, rt: Runtime) -> None:
    item_id = _review_item(rt)
    make_user(rt, "amy", "agent")
    make_user(rt, "aud", "auditor")
    sign_in(client, "amy")
    assert client.get("/review-queue").status_code == 403
    client.cookies.clear()
    sign_in(client, "aud")
    page = client.get("/review-queue")
    assert page.status_code == 200 and "Resolve" not in page.text
    refused = client.post(
        f"/review-queue/{item_id}",
        data={"csrf": form_token(page.text), "outcome": "dismiss", "why": "no"},
    )
    assert refused.status_code == 403
    with rt.db.transaction(read_only=True) as s:
        assert s.scalars(select(ReviewResolution)).all() == []


def test_a_supervisors_team_report_holds_only_their_sellers_figures(
    client: TestClient, rt: Runtime
) -> None:
    record_calls(rt, "acme", ["+12077841001", "+12077841002"], "answered_person")
    record_calls(rt, "acme", ["+12077841003"], "dropped")
    record_calls(rt, "birch", ["+12077842001", "+12077842002"], "dropped")
    make_user(rt, "sue", "supervisor")
    with rt.db.transaction() as s:
        acme = sellers.seller_view(session=s, ref="acme")
        service.assign_scope(
            session=s, actor="t", username="sue", seller_id=str(acme["id"]), campaign_id=None
        )
    sign_in(client, "sue")
    answer = client.get("/team-report")
    assert answer.status_code == 200, answer.text[-3000:]
    page = answer.text
    assert 'data-testid="team-calls">3<' in page
    assert "Birch" not in page
    assert client.get("/team-report?seller=birch").status_code == 422
    make_user(rt, "amy", "agent")
    client.cookies.clear()
    sign_in(client, "amy")
    assert client.get("/team-report").status_code == 403


def test_a_supervisor_of_two_sellers_sees_both_sellers_requests_and_no_others(
    client: TestClient, rt: Runtime
) -> None:
    from callkeep.records.parties.schemas import SellerIn
    from callkeep.requests import service as requests_service
    from callkeep.requests.schemas import DncRequestCreate

    with rt.db.transaction() as s:
        sellers.create_seller(
            session=s, actor="t", seller_in=SellerIn(name="Cedar Roofing", slug="cedar")
        )
        for seller, phone in (
            ("acme", "2077841001"),
            ("birch", "2077841002"),
            ("cedar", "2077841003"),
        ):
            requests_service.record_request(
                session=s, actor="t", request_in=DncRequestCreate(phone=phone, seller=seller)
            )
    make_user(rt, "sue", "supervisor")
    with rt.db.transaction() as s:
        for slug in ("acme", "birch"):
            held = sellers.seller_view(session=s, ref=slug)
            service.assign_scope(
                session=s, actor="t", username="sue", seller_id=str(held["id"]), campaign_id=None
            )
    sign_in(client, "sue")
    page = client.get("/dnc-requests").text
    assert "+12077841001" in page and "+12077841002" in page
    assert "+12077841003" not in page
