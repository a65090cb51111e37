"""Retention purges what is past its five years, keeps what a legal hold covers, and leaves the
ledger provable: tombstones, never gaps."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import world as world_module
from sqlalchemy import select

from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger
from callkeep.ledger.models import LedgerEntry
from callkeep.records import models as rm
from callkeep.records.calls import service as calls
from callkeep.records.parties.schemas import SellerIn
from callkeep.records.schemas import CallIn
from callkeep.reports import retention
from callkeep.reports.models import RetentionRun

NOW = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
OLD = "+12075550101"  # called 1 s before the five-year line
NEW = "+12075550102"  # called 1 s after it


def _call(number: str, start: str) -> dict[str, Any]:
    return {
        "telemarketer_name": "Claire",
        "seller": "acme",
        "subject": "heat pumps",
        "consumer_or_business": "consumer",
        "outbound": True,
        "prerecorded": False,
        "calling_number": "+12077840100",
        "called_number": number,
        "started_at": start,
        "duration_seconds": 30,
        "caller_id_number": "+12077840100",
        "disposition": "answered_person",
        "notes": "said to call back in spring",
    }


def _world(rt: Runtime) -> dict[str, str]:
    with rt.db.transaction() as s:
        world_module.Builder(world_module.World(rt=rt), s, actor="t").seller(
            SellerIn(name="Acme", slug="acme", is_default=True)
        )
    ids = {}
    with rt.db.transaction() as s:
        for number, start in ((OLD, "2021-12-01T11:59:59Z"), (NEW, "2021-12-01T12:00:01Z")):
            made = calls.record_call(
                session=s, actor="dialer", call_in=CallIn.model_validate(_call(number, start))
            )
            ids[number] = made.call.id
        calls.amend_call(
            session=s,
            actor="compliance",
            call_id=ids[OLD],
            changes={"outcome": "callback"},
            reason="outcome left out",
        )
    return ids


def _run(rt: Runtime, apply: bool) -> retention.RunReport:
    with rt.db.transaction(read_only=not apply) as s:
        return retention.run(session=s, actor="retention", apply=apply, now=NOW)


def test_a_dry_run_says_what_would_go_and_removes_nothing(rt: Runtime) -> None:
    ids = _world(rt)
    report = _run(rt, apply=False)
    assert report.purged["calls"] == [ids[OLD]]
    with rt.db.transaction(read_only=True) as s:
        assert s.get(rm.Call, ids[OLD]) is not None


def test_applied_retention_purges_across_the_five_year_line_and_the_ledger_verifies(
    rt: Runtime,
) -> None:
    ids = _world(rt)
    report = _run(rt, apply=True)
    assert report.to_json()["purged"]["calls"] == 1 and report.amendments == 1
    with rt.db.transaction(read_only=True) as s:
        assert s.get(rm.Call, ids[OLD]) is None
        assert s.get(rm.Call, ids[NEW]) is not None
        assert s.scalars(select(rm.Amendment)).all() == []
        tombstones = s.scalars(
            select(LedgerEntry).where(LedgerEntry.action == "purge").order_by(LedgerEntry.seq)
        ).all()
        assert {(t.entity_type, t.entity_id) for t in tombstones} >= {("calls", ids[OLD])}
        assert len(s.scalars(select(RetentionRun)).all()) == 1
        verified = ledger.verify(session=s)
    assert verified.intact, verified.problems
    assert _run(rt, apply=True).purged["calls"] == []  # nothing twice


def test_a_legal_hold_keeps_records_until_it_is_released(rt: Runtime) -> None:
    ids = _world(rt)
    with rt.db.transaction() as s:
        hold = retention.add_hold(session=s, actor="legal", phone="207-555-0101", reason="suit")
    held = _run(rt, apply=True)
    assert held.purged["calls"] == [] and held.held["calls"] == 1
    with rt.db.transaction() as s:
        retention.release_hold(session=s, actor="legal", hold_id=hold.id)
    released = _run(rt, apply=True)
    assert released.purged["calls"] == [ids[OLD]]
    with rt.db.transaction(read_only=True) as s:
        assert ledger.verify(session=s).intact
        assert retention.holds(session=s)[0]["released_at"] is not None


def test_a_seller_hold_covers_its_records(rt: Runtime) -> None:
    _world(rt)
    with rt.db.transaction() as s:
        retention.add_hold(session=s, actor="legal", seller="acme", reason="FTC inquiry")
    assert _run(rt, apply=False).purged["calls"] == []


def test_the_policy_is_data_with_its_citations() -> None:
    rules = retention.policy()
    assert rules["calls"].years == 5 and "310.5(a)(2)" in rules["calls"].citation
    assert rules["campaign_documents"].start == "last_use"
    assert rules["service_contracts"].start == "expires_at"
    assert "64.1200(d)(6)" in rules["dnc_requests"].citation


def test_the_commands_hold_release_and_run(rt: Runtime) -> None:
    ids = _world(rt)
    env = {
        "CALLKEEP_DATA_DIR": str(rt.settings.data_dir),
        "CALLKEEP_DATABASE_URL": rt.settings.database_url,
        "PATH": "/usr/bin:/bin",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "callkeep", *args], capture_output=True, text=True, env=env
        )

    placed = run("holds", "add", "--campaign", "nope", "--reason", "x")
    assert placed.returncode == 2 and "Traceback" not in placed.stderr
    both = run("holds", "add", "--seller", "acme", "--phone", OLD, "--reason", "x")
    assert both.returncode == 2
    assert run("holds", "add", "--phone", OLD, "--reason", "suit").returncode == 0
    listed = json.loads(run("holds", "list", "--json").stdout)
    assert [h["value"] for h in listed] == [OLD]
    dry = json.loads(run("retention", "run", "--json").stdout)
    # as of the real now both calls are past five years: the held one stays
    assert dry["applied"] is False and dry["held"]["calls"] == 1
    assert dry["ids"]["calls"] == [ids[NEW]]
    assert run("holds", "release", listed[0]["id"]).returncode == 0
    assert run("holds", "list", "--json").stdout.strip() == "[]"
    applied = json.loads(run("retention", "run", "--apply", "--json").stdout)
    assert applied["applied"] is True and ids[OLD] in applied["ids"]["calls"]
    assert run("audit", "verify").returncode == 0


def test_the_scheduled_run_is_off_by_default_and_applies_when_run(rt: Runtime) -> None:
    from dataclasses import replace

    from callkeep.reports import tasks

    ids = _world(rt)
    assert rt.settings.retention_interval_hours == 0
    assert tasks.jobs(rt) == []  # off: the server's schedule holds no retention job
    daily_settings = rt.settings.model_copy(update={"retention_interval_hours": 24.0})
    daily = tasks.jobs(replace(rt, settings=daily_settings))
    assert [job.name for job in daily] == ["retention"]
    assert daily[0].next_run(datetime(2026, 12, 1, 15, 30, tzinfo=UTC)) == datetime(
        2026, 12, 2, tzinfo=UTC
    )
    purged = tasks.run_once(rt)  # what each scheduled run does, as of the real now
    assert purged["calls"] == 2
    with rt.db.transaction(read_only=True) as s:
        assert s.get(rm.Call, ids[NEW]) is None
        assert ledger.verify(session=s).intact


def test_a_purge_only_appends_so_earlier_tree_hashes_still_hold(rt: Runtime) -> None:
    from callkeep.ledger import merkle

    _world(rt)

    def hashes() -> list[bytes]:
        with rt.db.transaction(read_only=True) as s:
            return [
                bytes.fromhex(h)
                for h in s.scalars(select(LedgerEntry.hash).order_by(LedgerEntry.seq))
            ]

    before = hashes()
    _run(rt, apply=True)
    after = hashes()
    assert len(after) > len(before)
    assert merkle.root(after[: len(before)]) == merkle.root(before)
    proof = merkle.consistency_proof(after, len(before))
    assert merkle.verify_consistency(
        old_size=len(before),
        new_size=len(after),
        old_root=merkle.root(before),
        new_root=merkle.root(after),
        proof=proof,
    )
