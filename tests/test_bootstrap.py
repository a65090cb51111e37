"""First start: an admin with a token, the demo seeded once, a fresh demo registry, all ledgered."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func

from callkeep.bootstrap import prepare
from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger
from callkeep.lists import service as lists_service


def test_first_start_with_demo_seeds_once_and_verifies(rt: Runtime) -> None:
    lines = prepare(rt, demo=True)
    login = (rt.settings.data_dir / "initial-admin.txt").read_text()
    assert "username: admin" in login and "api token: ck_" in login
    assert any("admin login" in line for line in lines)
    assert (rt.settings.data_dir / "initial-admin.txt").stat().st_mode & 0o777 == 0o600
    with rt.db.transaction(read_only=True) as session:
        coverage = lists_service.national_coverage(session=session, at=datetime.now(UTC))
        first = ledger.verify(session=session)
    assert 207 in coverage.area_codes and coverage.as_of is not None
    assert first.intact and first.records > 100

    prepare(rt, demo=True)  # a second start changes nothing
    with rt.db.transaction(read_only=True) as session:
        second = ledger.verify(session=session)
    assert second.intact and second.entries == first.entries


def test_the_demo_calls_are_the_ones_their_decisions_allowed(rt: Runtime) -> None:
    from sqlalchemy import select

    from callkeep.bootstrap import reminders
    from callkeep.checks.models import Decision
    from callkeep.records import models as m
    from callkeep.records.parties import models as pm
    from callkeep.records.parties import sellers

    prepare(rt, demo=True)
    with rt.db.transaction(read_only=True) as session:
        pairs = list(
            session.execute(
                select(m.Call, Decision).join(Decision, Decision.id == m.Call.decision_id)
            )
        )
        calls = session.scalar(select(func.count()).select_from(m.Call))
        slugs = set(session.scalars(select(pm.Seller.slug)))
        default = sellers.seller_view(session=session, ref=None)
    assert calls == len(pairs) == 300  # every call names its decision
    for call, decision in pairs:
        assert decision.allowed, decision.reasons
        assert decision.phone == call.called_number and decision.seller_id == call.seller_id
        assert decision.campaign_id == call.campaign_id and decision.at == call.started_at
    assert "default" in slugs and default["slug"] == "androscoggin-energy"
    assert reminders(rt) == []  # the demo's default seller has its name
