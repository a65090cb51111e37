"""First start: an admin with a token, the demo seeded once, a fresh demo registry, all ledgered."""

from __future__ import annotations

from datetime import UTC, datetime

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
