"""Email requests: .eml files, Maildir and mbox; clear ones recorded, doubtful ones queued."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from callkeep.errors import Conflict, InvalidInput
from callkeep.kit.runtime import Runtime
from callkeep.requests import review, service


def message(subject: str, body: str, date: str = "Wed, 25 Nov 2026 10:00:00 -0500") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Ann Example <ann@example.com>"
    msg["To"] = "optout@seller.example"
    msg["Subject"] = subject
    msg["Date"] = date
    msg.set_content(body)
    return msg


CLEAR = message("Stop calling", "Please remove me from your list. My number is (207) 555-0123.")
NO_NUMBER = message("Unsubscribe", "Take me off your list please.")
UNCLEAR = message("Question", "Is 207-555-0188 the right number for billing?")
SEVERAL = message("remove me", "Do not call 207-555-0123 or 207-555-0188.")


def write_eml(folder: Path, name: str, msg: EmailMessage) -> Path:
    path = folder / name
    path.write_bytes(bytes(msg))
    return path


def test_a_clear_email_becomes_a_request_dated_when_it_was_sent(
    rt: Runtime, tmp_path: Path
) -> None:
    path = write_eml(tmp_path, "a.eml", CLEAR)
    with rt.db.transaction() as s:
        summary = review.import_emails(session=s, actor="cli:test", path=path)
    assert (summary.messages, summary.requests, summary.queued) == (1, 1, 0)
    with rt.db.transaction(read_only=True) as s:
        rows, _ = service.list_requests(session=s)
        assert rows[0].phone == "+12075550123" and rows[0].channel == "email"
        assert rows[0].received_at.isoformat() == "2026-11-25T15:00:00+00:00"
        assert rows[0].matched_wording == "stop calling"
        assert (rows[0].name, rows[0].email) == ("Ann Example", "ann@example.com")
        assert "Please remove me" in (rows[0].evidence or "")
        raw = s.execute(text("SELECT evidence FROM dnc_requests")).scalar_one()
        assert "remove" not in raw


def test_doubtful_emails_go_to_the_review_queue(rt: Runtime, tmp_path: Path) -> None:
    for name, msg in (("b.eml", NO_NUMBER), ("c.eml", UNCLEAR), ("d.eml", SEVERAL)):
        write_eml(tmp_path, name, msg)
    with rt.db.transaction() as s:
        summary = review.import_emails(session=s, actor="cli:test", path=tmp_path)
    assert (summary.messages, summary.requests, summary.queued) == (3, 0, 3)
    with rt.db.transaction(read_only=True) as s:
        items = review.list_items(session=s)
    reasons = sorted(item.reason for item in items)
    assert reasons == [
        "no phone number found",
        "several phone numbers; which ones?",
        "unclear whether it asks not to be called",
    ]
    assert all(item.evidence and "Subject" in item.evidence for item in items)


def test_a_maildir_and_an_mbox_are_read(rt: Runtime, tmp_path: Path) -> None:
    maildir = mailbox.Maildir(str(tmp_path / "inbox"), create=True)
    maildir.add(CLEAR)
    maildir.add(NO_NUMBER)
    box = mailbox.mbox(str(tmp_path / "box.mbox"), create=True)
    box.add(message("STOP", "207 555 0188"))
    box.flush()
    with rt.db.transaction() as s:
        first = review.import_emails(session=s, actor="cli:test", path=tmp_path / "inbox")
        second = review.import_emails(session=s, actor="cli:test", path=tmp_path / "box.mbox")
    assert (first.requests, first.queued) == (1, 1)
    assert (second.requests, second.queued) == (1, 0)


def test_importing_the_same_email_twice_records_no_duplicate(rt: Runtime, tmp_path: Path) -> None:
    path = write_eml(tmp_path, "a.eml", CLEAR)
    with rt.db.transaction() as s:
        review.import_emails(session=s, actor="cli:test", path=path)
        again = review.import_emails(session=s, actor="cli:test", path=path)
    assert (again.requests, again.repeats) == (0, 1)


def test_a_person_resolves_a_queued_email_with_a_new_record(rt: Runtime, tmp_path: Path) -> None:
    write_eml(tmp_path, "b.eml", NO_NUMBER)
    write_eml(tmp_path, "c.eml", UNCLEAR)
    with rt.db.transaction() as s:
        review.import_emails(session=s, actor="cli:test", path=tmp_path)
        first, second = review.list_items(session=s)
        done = review.resolve(
            session=s, actor="compliance:carol", item_id=first.id, phone="2075550177"
        )
        assert done.resolution == "request" and done.request_id is not None
        request = service.get(session=s, request_id=done.request_id)
        assert request.channel == "email" and request.phone == "+12075550177"
        dismissed = review.resolve(
            session=s, actor="compliance:carol", item_id=second.id, dismiss=True
        )
        assert dismissed.resolution == "dismissed"
        with pytest.raises(Conflict):
            review.resolve(session=s, actor="compliance:carol", item_id=first.id, dismiss=True)
        assert review.list_items(session=s) == []
        assert len(review.list_items(session=s, include_resolved=True)) == 2


def test_resolving_needs_either_a_number_or_a_dismissal(rt: Runtime, tmp_path: Path) -> None:
    write_eml(tmp_path, "b.eml", NO_NUMBER)
    with rt.db.transaction() as s:
        review.import_emails(session=s, actor="cli:test", path=tmp_path)
        (item,) = review.list_items(session=s)
        with pytest.raises(InvalidInput):
            review.resolve(session=s, actor="c", item_id=item.id)
        with pytest.raises(InvalidInput):
            review.resolve(session=s, actor="c", item_id=item.id, phone="2075550177", dismiss=True)


def test_the_review_queue_has_an_api(
    client: TestClient, headers, rt: Runtime, tmp_path: Path
) -> None:
    write_eml(tmp_path, "b.eml", NO_NUMBER)
    with rt.db.transaction() as s:
        review.import_emails(session=s, actor="cli:test", path=tmp_path)
    items = client.get("/api/v1/dnc-review-items", headers=headers["auditor"]).json()
    assert len(items) == 1
    url = f"/api/v1/dnc-review-items/{items[0]['id']}/resolution"
    assert client.post(url, json={"dismiss": True}, headers=headers["auditor"]).status_code == 403
    bad = client.post(url, json={"phone": "12"}, headers=headers["agent"])
    assert bad.status_code == 422
    done = client.post(url, json={"phone": "207-555-0177"}, headers=headers["agent"])
    assert done.status_code == 200 and done.json()["resolution"] == "request"
    assert client.get("/api/v1/dnc-review-items", headers=headers["auditor"]).json() == []
