"""Scopes in real headless Chromium over the demo data: an agent trying a contact they do not
work gets the 403 page, compliance resolves a review item, a supervisor sees only their
figures."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from test_staff_browser import context, sign_in  # noqa: F401 (the fixture, shared)

from callkeep.auth.contact_reach import REFUSED
from callkeep.auth.models import AccessRecord
from callkeep.kit.clock import utcnow
from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger
from callkeep.records.models import Call
from callkeep.records.parties import sellers
from callkeep.records.parties.models import Contact
from callkeep.requests.models import ReviewItem, ReviewResolution

pytestmark = pytest.mark.browser


def test_an_agent_trying_a_contact_they_do_not_work_gets_the_403_page(
    context: Any,  # noqa: F811
    staff_server: str,
    staff_runtime: Runtime,
) -> None:
    with staff_runtime.db.transaction(read_only=True) as s:
        contact_id = s.scalars(select(Contact.id).order_by(Contact.id).limit(1)).one()
    page = context.new_page()
    sign_in(page, staff_server, "agent")
    page.get_by_role("heading", name="Dashboard").wait_for()
    response = page.goto(f"{staff_server}/contacts/{contact_id}")
    assert response.status == 403
    assert page.get_by_role("heading", name="You may not see this page").is_visible()
    assert "not one you work" in page.content()
    with staff_runtime.db.transaction(read_only=True) as s:
        refused = s.scalars(
            select(AccessRecord.recorded_by).where(
                AccessRecord.entity_type == REFUSED, AccessRecord.entity_id == contact_id
            )
        ).all()
    assert "user:agent" in refused


def test_compliance_resolves_a_review_item_in_the_browser(
    context: Any,  # noqa: F811
    staff_server: str,
    staff_runtime: Runtime,
) -> None:
    with staff_runtime.db.transaction() as s:
        item = ReviewItem(
            channel="email",
            seller_slug="androscoggin-energy",
            source="reader@example.com",
            evidence="take me off your list, 207-784-1111",
            candidate_phones="+12077841111",
            reason="unclear wording",
            received_at=utcnow(),
            recorded_by="test",
        )
        item_id = ledger.record(session=s, actor="test", entity=item).id
    page = context.new_page()
    sign_in(page, staff_server, "compliance")
    page.get_by_role("heading", name="Dashboard").wait_for()
    page.goto(f"{staff_server}/review-queue")
    row = page.get_by_test_id(f"review-item-{item_id}")
    assert row.get_by_label("Number (for a request)").input_value() == "+12077841111"
    row.get_by_label("Why").fill("the message asks plainly not to be called")
    row.get_by_role("button", name="Resolve").click()
    page.get_by_role("heading", name="Review queue").wait_for()
    assert page.get_by_test_id(f"review-item-{item_id}").count() == 0
    page.goto(f"{staff_server}/review-queue?resolved=1")
    assert "request recorded" in page.get_by_test_id(f"review-item-{item_id}").inner_text()
    with staff_runtime.db.transaction(read_only=True) as s:
        resolution = s.scalars(
            select(ReviewResolution).where(ReviewResolution.review_item_id == item_id)
        ).one()
    assert resolution.recorded_by == "user:compliance"
    assert resolution.note == "the message asks plainly not to be called"


def test_a_supervisor_sees_only_their_figures(
    context: Any,  # noqa: F811
    staff_server: str,
    staff_runtime: Runtime,
) -> None:
    today = utcnow().date()
    first = today - timedelta(days=29)
    with staff_runtime.db.transaction(read_only=True) as s:
        mine = sellers.seller_view(session=s, ref="androscoggin-energy")
        expected = s.scalar(
            select(func.count())
            .select_from(Call)
            .where(
                Call.seller_id == mine["id"],
                Call.started_at >= datetime.combine(first, time(), tzinfo=UTC),
                Call.started_at < datetime.combine(today, time(), tzinfo=UTC) + timedelta(days=1),
            )
        )
    page = context.new_page()
    sign_in(page, staff_server, "supervisor")
    page.get_by_role("heading", name="Dashboard").wait_for()
    page.get_by_role("link", name="Team report").click()
    page.get_by_role("heading", name="Team report").wait_for()
    assert page.get_by_test_id("team-calls").inner_text() == str(expected)
    choices = page.locator("#f-seller option").all_inner_texts()
    assert not any("Windows" in c for c in choices)
    response = page.goto(f"{staff_server}/team-report?seller=lake-auburn-windows")
    assert response.status == 422
