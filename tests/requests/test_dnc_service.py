"""Recording a request: what it holds, the block at once, repeats, and nothing that undoes it."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from callkeep.errors import InvalidInput
from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger
from callkeep.requests import service
from callkeep.requests.models import DncRequest
from callkeep.requests.schemas import Channel, DncRequestCreate, RequestStatus

ANN = "+12075550123"


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(DncRequest)) or 0)


def test_a_request_holds_what_the_telemarketing_sales_rule_requires(record, session) -> None:
    result = record(
        "(207) 555-0123",
        other_phones=["207-555-0188"],
        name="Ann Example",
        telemarketer="Alice Agent",
        purpose="home heating oil",
        channel=Channel.AGENT,
        call_id="call-1",
        evidence="She said: never call again.",
    )
    request = result.request
    assert result.created
    assert request.phone == ANN
    assert request.other_phones == "+12075550188"
    assert request.name == "Ann Example"
    assert request.telemarketer_name == "Alice Agent"
    assert request.purpose == "home heating oil"
    assert request.channel == "agent"
    assert request.recorded_by == "agent:alice"
    assert request.received_at.tzinfo is not None
    assert request.deadline > request.received_at.date()
    assert request.retain_until.year == request.received_at.year + 5


def test_the_confirmation_code_is_ten_unambiguous_characters(record) -> None:
    code = record().request.confirmation_code
    assert len(code) == 10
    assert set(code) <= set(service.CODE_ALPHABET)
    assert not set(code) & set("IL01OU")


def test_names_and_evidence_are_encrypted_at_rest(record, session) -> None:
    record(name="Ann Example", evidence="never call again", email="ann@example.com")
    session.flush()
    raw = session.execute(text("SELECT name, email, evidence, phone FROM dnc_requests")).one()
    assert "Ann" not in raw[0] and "example.com" not in raw[1] and "never" not in raw[2]
    assert raw[3] == ANN


def test_a_repeat_request_returns_the_existing_request_not_a_duplicate(record, session) -> None:
    first = record(channel=Channel.WEB)
    again = record("207.555.0123", channel=Channel.SMS)
    assert not again.created
    assert again.request.id == first.request.id
    assert again.request.confirmation_code == first.request.confirmation_code
    assert count(session) == 1


def test_an_unknown_seller_is_refused_and_nothing_more_is_recorded(record, session) -> None:
    record()
    with pytest.raises(InvalidInput) as raised:
        record(seller="no-such-seller")
    assert raised.value.fields[0].field == "seller"
    assert count(session) == 1


def test_an_unusable_number_is_refused_and_nothing_is_recorded(record, session) -> None:
    with pytest.raises(InvalidInput) as raised:
        record("555")
    assert raised.value.fields[0].field == "phone"
    assert count(session) == 0


def test_a_request_cannot_be_received_in_the_future(record) -> None:
    with pytest.raises(InvalidInput):
        record(received_at=datetime.now(UTC) + timedelta(days=1))


def test_a_request_is_honored_at_once_on_the_entity_list(record) -> None:
    request = record().request
    assert request.honored_at is not None and request.entity_entry_id is not None
    assert request.honored_at >= request.received_at
    assert service.status_of(request, now=datetime.now(UTC)) is RequestStatus.MET


def test_status_is_met_open_or_overdue_from_the_deadline() -> None:
    received = datetime(2026, 11, 25, 17, tzinfo=UTC)
    request = DncRequest(received_at=received, deadline=date(2026, 12, 10), honored_at=None)
    assert service.status_of(request, now=received) is RequestStatus.OPEN
    late = datetime(2026, 12, 11, 12, tzinfo=UTC)
    assert service.status_of(request, now=late) is RequestStatus.OVERDUE
    request.honored_at, request.honored_in_time = received, True
    assert service.status_of(request, now=late) is RequestStatus.MET
    request.honored_in_time = False
    assert service.status_of(request, now=late) is RequestStatus.OVERDUE


def test_requests_are_listed_by_channel_status_and_date(record, session) -> None:
    record(channel=Channel.WEB)
    record("+12075550188", channel=Channel.EMAIL, received_at=datetime(2025, 1, 2, tzinfo=UTC))
    rows, total = service.list_requests(session=session, channel="email")
    assert total == 1 and rows[0].phone == "+12075550188"
    rows, total = service.list_requests(session=session, since=datetime(2026, 1, 1, tzinfo=UTC))
    assert [r.channel for r in rows] == ["web"]
    rows, total = service.list_requests(session=session, status=RequestStatus.OVERDUE)
    assert [r.phone for r in rows] == ["+12075550188"]


def test_every_request_is_in_the_ledger_and_verifies(record, session) -> None:
    record(name="Ann")
    record("+12075550188")
    report = ledger.verify(session=session)
    assert report.intact, report


def test_a_request_edited_behind_callkeeps_back_is_found(rt: Runtime) -> None:
    with rt.db.transaction() as s:
        service.record_request(
            session=s, actor="agent:alice", request_in=DncRequestCreate(phone=ANN)
        )
    with rt.db.transaction() as s:
        s.execute(text("UPDATE dnc_requests SET phone = '+12075550999'"))
    with rt.db.transaction(read_only=True) as s:
        report = ledger.verify(session=s)
    assert not report.intact


def test_concurrent_identical_requests_record_one_request(rt: Runtime) -> None:
    codes: list[str] = []
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            with rt.db.transaction() as s:
                result = service.record_request(
                    session=s, actor="public:web", request_in=DncRequestCreate(phone=ANN)
                )
                codes.append(result.request.confirmation_code)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(codes)) == 1
    with rt.db.transaction(read_only=True) as s:
        assert count(s) == 1


def test_the_dashboard_counts_requests_by_status(record, session) -> None:
    record()
    record("+12075550188", received_at=datetime(2025, 1, 2, tzinfo=UTC))
    counts = service.counts_by_status(session=session)
    assert counts == {RequestStatus.MET: 1, RequestStatus.OPEN: 0, RequestStatus.OVERDUE: 1}
    assert service.counts_by_status(session=session, seller="birch")[RequestStatus.MET] == 0
