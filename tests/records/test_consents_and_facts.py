"""Consents, revocations, purchases and inquiries, and the facts a pre-call decision reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from callkeep.errors import InvalidInput
from callkeep.records import consents, queries, references
from callkeep.records.calls import service as calls
from callkeep.records.schemas import CallIn, ConsentIn, InquiryIn, PurchaseIn
from tests.records.conftest import JANE, JANE_WORK, STRANGER

if TYPE_CHECKING:
    from tests.records.conftest import World

H = dict[str, dict[str, str]]
T0 = datetime(2026, 7, 4, 13, 0, tzinfo=UTC)


def _consent(session: Session, *, kind: str = "written", at: datetime = T0, **extra: object) -> str:
    consent = consents.record_consent(
        session=session,
        actor="test",
        consent_in=ConsentIn.model_validate(
            {
                "name": "Jane Q. Doe",
                "phone": JANE,
                "request_text": "<p>May we call you about heat pumps?</p>",
                "request_format": "text/html",
                "purpose": "heat pumps",
                "consent_text": "Yes",
                "kind": kind,
                "given_at": at,
                "signature": "signed: Jane Q. Doe",
                **extra,
            }
        ),
    )
    return consent.id


def _facts(
    session: Session, world: World, at: datetime, subject: str | None = "heat pumps"
) -> queries.PhoneFacts:
    """Jane's facts (she is a contact, so there always are some)."""
    return queries.phone_facts(
        session=session, seller_id=world.seller.id, subject=subject, at=at, phones=[JANE]
    )[JANE]


def test_written_consent_counts_from_when_given_until_revoked(
    session: Session, world: World
) -> None:
    consent_id = _consent(session)
    assert not _facts(session, world, T0 - timedelta(seconds=1)).written_consent
    assert _facts(session, world, T0).written_consent
    revoked = references.revoke_consents(
        session=session,
        actor="test",
        seller_id=world.seller.id,
        phone=JANE,
        channel="phone",
        evidence="said stop",
        reference="R-1",
    )
    assert len(revoked) == 1
    now = datetime.now(UTC)
    later = _facts(session, world, now + timedelta(seconds=5))
    assert later is not None and not later.written_consent and later.consent_revoked
    before = _facts(session, world, T0 + timedelta(days=1))
    assert before is not None and before.written_consent and not before.consent_revoked
    assert (
        references.revoke_consents(
            session=session,
            actor="t",
            seller_id=world.seller.id,
            phone=JANE,
            channel="phone",
            evidence=None,
            reference=None,
        )
        == []
    )
    assert consents.get_consent(session=session, consent_id=consent_id).revoked_at is not None


def test_express_or_expired_consent_is_not_written_consent(session: Session, world: World) -> None:
    _consent(session, kind="express")
    _consent(session, expires_at=T0 + timedelta(days=1))
    assert not _facts(session, world, T0 + timedelta(days=2)).written_consent
    assert _facts(session, world, T0 + timedelta(hours=1)).written_consent


def test_other_sellers_consent_does_not_count(session: Session, world: World) -> None:
    _consent(session, seller="birch")
    facts = _facts(session, world, T0 + timedelta(days=1))
    assert facts is not None and not facts.written_consent and not facts.consent_revoked


def test_written_consent_needs_a_signature_and_a_zoned_time(session: Session, world: World) -> None:
    with pytest.raises(InvalidInput) as no_signature:
        _consent(session, signature=None)
    assert no_signature.value.fields[0].field == "signature"
    with pytest.raises(InvalidInput) as naive:
        _consent(session, at=datetime(2026, 7, 4, 13, 0))
    assert naive.value.fields[0].field == "given_at"


def test_latest_purchase_and_inquiry_by_a_contact_holding_the_phone(
    session: Session, world: World
) -> None:
    for days in (100, 10):
        consents.record_purchase(
            session=session,
            actor="t",
            purchase_in=PurchaseIn(
                contact_id=world.jane.id,
                goods="heat pump",
                purchased_at=T0 - timedelta(days=days),
                amount_cents=450000,
            ),
        )
    consents.record_inquiry(
        session=session,
        actor="t",
        inquiry_in=InquiryIn(
            contact_id=world.jane.id, goods="audit", inquired_at=T0 + timedelta(days=1)
        ),
    )
    facts = queries.phone_facts(
        session=session, seller_id=world.seller.id, subject=None, at=T0, phones=[JANE_WORK]
    )[JANE_WORK]
    assert facts.last_purchase_at == T0 - timedelta(days=10)
    assert facts.last_inquiry_at is None
    assert facts.states == frozenset({"ME"}) and facts.zips == frozenset({"04210"})


def _call(
    session: Session,
    number: str,
    at: datetime,
    disposition: str = "no_answer",
    subject: str = "heat pumps",
) -> str:
    return calls.record_call(
        session=session,
        actor="t",
        call_in=CallIn.model_validate(
            {
                "telemarketer_name": "Claire",
                "seller": "androscoggin-energy",
                "subject": subject,
                "consumer_or_business": "consumer",
                "outbound": True,
                "prerecorded": False,
                "calling_number": "+12077840100",
                "called_number": number,
                "started_at": at,
                "duration_seconds": 10,
                "caller_id_number": "+12077840100",
                "disposition": disposition,
                "transfer_to": "+12077840150" if disposition == "transferred" else None,
            }
        ),
    ).call.id


def test_calls_in_24_hours_count_every_number_of_the_same_person_on_the_subject(
    session: Session, world: World
) -> None:
    _call(session, JANE, T0 - timedelta(hours=1), "answered_person")
    _call(session, JANE_WORK, T0 - timedelta(hours=9), "transferred")
    _call(session, JANE, T0 - timedelta(hours=25))
    _call(session, JANE, T0 - timedelta(hours=2), subject="windows")
    _call(session, STRANGER, T0 - timedelta(hours=3))
    facts = queries.phone_facts(
        session=session,
        seller_id=world.seller.id,
        subject="heat pumps",
        at=T0,
        phones=[JANE, STRANGER],
    )
    assert facts[JANE].calls_24h == 2
    assert facts[JANE].completed_calls_8h == 1
    assert facts[STRANGER].calls_24h == 1 and facts[STRANGER].states == frozenset()
    everything = queries.phone_facts(
        session=session, seller_id=world.seller.id, subject="heat pumps", at=T0, phones=None
    )
    assert everything[JANE] == facts[JANE] and everything[STRANGER] == facts[STRANGER]
    assert everything[JANE_WORK].completed_calls_8h == 0
    other = queries.phone_facts(
        session=session, seller_id=world.other_seller.id, subject=None, at=T0, phones=[JANE]
    )
    assert JANE not in other or other[JANE].calls_24h == 0


def test_an_amended_disposition_changes_the_completed_count(session: Session, world: World) -> None:
    call_id = _call(session, JANE, T0 - timedelta(hours=1), "answered_person")
    calls.amend_call(
        session=session, actor="t", call_id=call_id, changes={"disposition": "busy"}, reason="x"
    )
    assert _facts(session, world, T0).completed_calls_8h == 0


def test_consents_api_records_lists_by_phone_and_revokes(
    client: TestClient, headers: H, world: World
) -> None:
    # the agent works Jane (an email they logged), so may record her consent by her number
    client.post(
        "/api/v1/interactions",
        json={"kind": "email", "contact_id": world.jane.id, "occurred_at": "2026-07-04T12:00:00Z"},
        headers=headers["agent"],
    )
    made = client.post(
        "/api/v1/consents",
        json={
            "name": "Jane Q. Doe",
            "phone": "207-784-1234",
            "request_text": "May we call?",
            "purpose": "heat pumps",
            "consent_text": "Yes",
            "kind": "written",
            "given_at": "2026-07-04T13:00:00Z",
            "signature": "Jane",
        },
        headers=headers["agent"],
    )
    assert made.status_code == 201, made.text
    assert made.json()["seller_id"] == world.seller.id
    listed = client.get(
        "/api/v1/consents", params={"phone": "2077841234"}, headers=headers["auditor"]
    )
    assert [c["id"] for c in listed.json()] == [made.json()["id"]]
    revoked = client.post(
        "/api/v1/consents/revocations",
        json={"phone": "(207) 784-1234", "channel": "text", "evidence": "STOP"},
        headers=headers["agent"],
    )
    assert revoked.status_code == 201 and len(revoked.json()) == 1
    again = client.get(
        "/api/v1/consents", params={"phone": JANE}, headers=headers["auditor"]
    ).json()
    assert again[0]["revoked_at"] is not None and again[0]["revocations"][0]["channel"] == "text"
    bad = client.post(
        "/api/v1/consents", json={**made.json(), "kind": "spoken"}, headers=headers["agent"]
    )
    assert bad.status_code == 422 and "kind" in bad.text


def test_the_timeline_lists_everything_in_time_order(
    client: TestClient,
    headers: H,
    world: World,
    call_body,  # type: ignore[no-untyped-def]
) -> None:
    client.post(
        "/api/v1/calls",
        json=call_body(started_at="2026-07-05T13:00:00Z"),
        headers=headers["dialer"],
    )
    client.post(
        "/api/v1/purchases",
        json={
            "contact_id": world.jane.id,
            "goods": "heat pump",
            "purchased_at": "2026-06-01T12:00:00Z",
            "amount_cents": 100,
        },
        headers=headers["agent"],
    )
    client.post(
        "/api/v1/interactions",
        json={
            "kind": "email",
            "contact_id": world.jane.id,
            "occurred_at": "2026-06-15T12:00:00Z",
            "subject": "quote",
        },
        headers=headers["agent"],
    )
    client.post(
        "/api/v1/consents",
        json={
            "name": "Jane",
            "phone": JANE_WORK,
            "request_text": "r",
            "purpose": "p",
            "consent_text": "c",
            "kind": "express",
            "given_at": "2026-06-20T12:00:00Z",
        },
        headers=headers["agent"],
    )
    items = client.get(
        f"/api/v1/contacts/{world.jane.id}/timeline", headers=headers["auditor"]
    ).json()
    assert [i["kind"] for i in items] == ["purchase", "email", "consent", "call"]
    by_phone = client.get(
        "/api/v1/timeline", params={"phone": "2077845678"}, headers=headers["auditor"]
    ).json()
    assert [i["kind"] for i in by_phone] == ["purchase", "email", "consent", "call"]
    assert (
        client.get("/api/v1/contacts/nope/timeline", headers=headers["auditor"]).status_code == 404
    )


def test_a_shared_number_counts_calls_to_every_number_of_each_person_holding_it(
    session: Session, world: World
) -> None:
    from callkeep.records.parties import people
    from callkeep.records.parties.schemas import ContactIn

    people.create_contact(
        session=session,
        actor="t",
        contact_in=ContactIn(names=["John Doe"], phones=[JANE, "+12077847777"]),
    )
    _call(session, JANE_WORK, T0 - timedelta(hours=1))
    _call(session, "+12077847777", T0 - timedelta(hours=2))
    _call(session, JANE, T0 - timedelta(hours=3))
    facts = queries.phone_facts(
        session=session, seller_id=world.seller.id, subject=None, at=T0, phones=None
    )
    assert facts[JANE].calls_24h == 3
    assert facts[JANE_WORK].calls_24h == 2
    assert facts["+12077847777"].calls_24h == 2
