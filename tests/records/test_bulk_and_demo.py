"""Bulk call imports and the demo data: both written through the ledger, both verify."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callkeep.errors import InvalidInput
from callkeep.ledger import service as ledger
from callkeep.records import demo, queries, references
from callkeep.records import models as m
from callkeep.records.calls import service as calls
from callkeep.records.parties import models as pm
from callkeep.records.schemas import CallIn

if TYPE_CHECKING:
    from tests.records.conftest import World


def test_record_calls_writes_every_call_through_the_ledger(
    session: Session, world: World, call_body: Any
) -> None:
    batch = [
        CallIn.model_validate(call_body(started_at=f"2026-07-04T13:{i:02d}:00+00:00"))
        for i in range(50)
    ]
    ids = calls.record_calls(session=session, actor="import", calls=batch)
    assert len(set(ids)) == 50
    stored = session.get(m.Call, ids[7])
    assert stored is not None and stored.called_number == "+12077841234"
    assert stored.employee_id == world.employee.id
    assert ledger.verify(session=session).intact


def test_record_calls_refuses_the_batch_naming_the_bad_call(
    session: Session, world: World, call_body: Any
) -> None:
    batch = [CallIn.model_validate(call_body()) for _ in range(3)]
    batch.append(CallIn.model_validate(call_body(started_at="2026-07-04T13:00:00")))
    with pytest.raises(InvalidInput) as raised:
        calls.record_calls(session=session, actor="import", calls=batch)
    assert [p.field for p in raised.value.fields] == ["calls.3.started_at"]
    assert session.scalar(select(func.count()).select_from(m.Call)) == 0


def test_the_demo_seeds_an_empty_database_once_and_verifies(session: Session) -> None:
    assert demo.seed_if_empty(session=session)
    assert not demo.seed_if_empty(session=session)
    seller = references.resolve_seller(session=session, ref=None)
    assert (seller.slug, seller.name) == ("androscoggin-energy", "Androscoggin Home Energy")
    assert session.scalar(select(func.count()).select_from(pm.Contact)) == 40
    assert session.scalar(select(func.count()).select_from(m.Call)) == 300
    campaigns = {c.dialing_mode for c in session.scalars(select(pm.Campaign))}
    assert campaigns == {"manual", "predictive"}
    assert ledger.verify(session=session).intact
    facts = queries.phone_facts(
        session=session, seller_id=seller.id, subject=None, at=demo.utcnow(), phones=None
    )
    assert any(f.written_consent for f in facts.values())
    assert any(f.last_purchase_at is not None for f in facts.values())
    assert any("ME" in f.states for f in facts.values())


def test_record_calls_refuses_unknown_employees_and_contacts_by_position(
    session: Session, world: World, call_body: Any
) -> None:
    body = call_body(telemarketer=None, employee_id=world.employee.id, contact_id=world.jane.id)
    batch = [CallIn.model_validate(body) for _ in range(3)]
    batch.append(CallIn.model_validate({**body, "contact_id": "no-such-contact"}))
    with pytest.raises(InvalidInput) as raised:
        calls.record_calls(session=session, actor="import", calls=batch)
    assert [p.field for p in raised.value.fields] == ["calls.3.contact_id"]
    assert len(calls.record_calls(session=session, actor="import", calls=batch[:3])) == 3
