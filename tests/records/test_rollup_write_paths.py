"""The trends' and calls list's daily roll-ups equal counting the calls after each path that
writes calls: one call posted, a batch posted, the bulk path, an amendment, a rebuild."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from callkeep.cli import app, main
from callkeep.kit.clock import iso, utcnow
from callkeep.kit.runtime import Runtime
from callkeep.records import rollups, rollups_cli
from callkeep.records.calls import service as calls
from callkeep.records.schemas import CallIn
from tests.rollup_checks import assert_rolled_up_as_counted, count_days, figures

Body = Callable[..., dict[str, Any]]
H = dict[str, dict[str, str]]


def days_ago(days: int, hour: int = 15) -> str:
    moment = utcnow().replace(hour=hour, minute=0, second=0, microsecond=0)
    return iso(moment - timedelta(days=days))


def test_each_write_path_leaves_the_roll_ups_equal_to_the_calls(
    client: TestClient, headers: H, call_body: Body, rt: Runtime
) -> None:
    count_days(rt)  # every day counted before any call: each write below makes days stale
    one = call_body(started_at=days_ago(3), outcome="sale", external_call_id="one")
    assert client.post("/api/v1/calls", json=one, headers=headers["dialer"]).status_code == 201
    first = assert_rolled_up_as_counted(rt)
    assert first[-1] == 1

    batch = [
        call_body(
            started_at=days_ago(d, hour=10 + d % 8),
            external_call_id=f"batch-{d}",
            telemarketer="Claire F." if d % 2 else "Marc B.",
            disposition=("no_answer", "dropped", "transferred")[d % 3],
            outcome=None if d % 4 else "callback",
            transfer_to="desk" if d % 3 == 2 else None,
        )
        for d in range(0, 40)
    ]
    answer = client.post("/api/v1/calls/batch", json={"calls": batch}, headers=headers["dialer"])
    assert answer.status_code == 200 and answer.json()["created"] == 40, answer.text
    assert assert_rolled_up_as_counted(rt)[-1] == 41

    bulk = [
        CallIn.model_validate(
            {**call_body(started_at=days_ago(d % 9), external_call_id=f"bulk-{d}"), "notes": None}
        )
        for d in range(25)
    ]
    with rt.db.transaction() as s:
        calls.record_calls(session=s, actor="test", calls=bulk)
    after_bulk = assert_rolled_up_as_counted(rt)
    assert after_bulk[-1] == 66

    call_id = answer.json()["results"][0]["call"]["id"]
    with rt.db.transaction() as s:
        calls.amend_call(
            session=s,
            actor="test",
            call_id=call_id,
            changes={"outcome": "sale"},
            reason="the agent logged it late",
        )
    assert assert_rolled_up_as_counted(rt) == after_bulk  # the original record is counted

    sales = {(o.agent, o.outcome): o.calls for o in after_bulk[0]}  # type: ignore[attr-defined]
    assert sales[("Marc B.", "callback")] == 10  # a name the dialer sent, no employee of it
    assert sum(n for (_agent, outcome), n in sales.items() if outcome == "sale") == 1


def test_rebuild_counts_every_day_again_from_the_calls(
    client: TestClient,
    headers: H,
    call_body: Body,
    rt: Runtime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for d in range(5):
        body = call_body(started_at=days_ago(d * 7), external_call_id=f"r-{d}")
        assert client.post("/api/v1/calls", json=body, headers=headers["dialer"]).status_code == 201
    count_days(rt)
    before = figures(rt)
    with rt.db.transaction() as s:
        assert rollups.rebuild(session=s) == 28  # the first call's day to yesterday
    assert figures(rt) == before
    monkeypatch.setattr(rollups_cli, "cli_runtime", lambda: rt)
    result = CliRunner().invoke(app, ["rollups", "rebuild", "--from", days_ago(10)[:10]])
    assert result.exit_code == 0 and "10 days counted" in result.output, result.output
    assert figures(rt) == before
    monkeypatch.setattr("sys.argv", ["callkeep", "rollups", "rebuild", "--from", "not-a-day"])
    with pytest.raises(SystemExit) as raised:
        main()
    assert raised.value.code == 2
