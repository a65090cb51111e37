"""The compliance report's one streamed pass (calls read once, with the decisions they name,
feeding the 24-hour window and the abandonment counts) equals the plain path: each call read
alone with its amendments, decided alone (`reports.onebyone`), its decision read by id, and
abandonment counted from a read of its own."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from callkeep.checks import redecide
from callkeep.checks.models import Decision
from callkeep.kit.clock import iso
from callkeep.kit.runtime import Runtime
from callkeep.records import amendments
from callkeep.records import models as m
from callkeep.records.calls import service as calls
from callkeep.reports import compliance, onebyone, tallies
from tests.reports import test_redecide as november
from tests.reports.seeded import seed


def _plain(s: Session, scope: compliance.Period) -> dict[str, Any]:
    """The report's findings the plain way, call by call."""
    query = select(m.Call).where(m.Call.started_at >= scope.start, m.Call.started_at < scope.end)
    if scope.seller_id:
        query = query.where(m.Call.seller_id == scope.seller_id)
    if scope.campaign_id:
        query = query.where(m.Call.campaign_id == scope.campaign_id)
    every = list(s.scalars(query.order_by(m.Call.started_at, m.Call.id)))
    views = []
    for call in every:
        view = {name: getattr(call, name) for name in compliance._CALL_NAMES}
        amendments.current_views(session=s, target_type="calls", views={call.id: view})
        views.append(view)
    outcomes = onebyone.outcomes(s, redecide.Parties(s), views)
    registry = tallies.RegistryDays()
    violations = []
    for view in views:
        outcome = outcomes.get(view["id"])
        if outcome is None:
            continue
        registry.add(s, view["started_at"], outcome.national)
        linked = s.get(Decision, view["decision_id"]) if view["decision_id"] else None
        link = compliance._link_codes(view, linked)
        codes = [*outcome.codes, *link]
        if codes:
            violations.append(
                {
                    "call_id": view["id"],
                    "called_number": view["called_number"],
                    "started_at": iso(view["started_at"]),
                    "codes": codes,
                    "citations": [
                        *outcome.citations,
                        *(compliance.LINK_CITATIONS[c] for c in link),
                    ],
                }
            )
    windows, rolling = tallies.abandonment(session=s, scope=scope)
    return {
        "calls": len(views),
        "violations": violations,
        "abandonment": windows,
        "abandonment_rolling": rolling,
        "registry": registry.rows(),
    }


def _both(rt: Runtime, first: date, last: date, **filters: str | None) -> dict[str, Any]:
    with rt.db.transaction() as s:
        scope = compliance.period(
            session=s,
            date_from=first,
            date_to=last,
            seller=filters.get("seller"),
            campaign=filters.get("campaign"),
        )
        report = compliance.build(session=s, actor="t", scope=scope)
        plain = _plain(s, scope)
    assert plain["calls"] > 0
    assert {key: report[key] for key in plain} == plain
    return report


def _calls_to(rt: Runtime, number: str) -> list[str]:
    """The ids of the calls to `number`, by start."""
    with rt.db.transaction(read_only=True) as s:
        return list(
            s.scalars(
                select(m.Call.id).where(m.Call.called_number == number).order_by(m.Call.started_at)
            )
        )


def _amend(rt: Runtime, call_id: str, **changes: Any) -> None:
    with rt.db.transaction() as s:
        calls.amend_call(session=s, actor="t", call_id=call_id, changes=changes, reason="corrected")


def test_the_pass_equals_the_plain_path_on_the_seeded_july(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = seed(rt)
    monkeypatch.setattr(compliance, "CHUNK", 2)
    ids = world.ids
    with rt.db.transaction(read_only=True) as s:
        named = {n: s.get(m.Call, ids[n]).decision_id for n in ("c1", "c4")}  # type: ignore[union-attr]
    _amend(rt, ids["c2"], decision_id=named["c1"])  # now names a decision, a mismatched one
    _amend(rt, ids["c7"], decision_id=None)
    _amend(rt, ids["c6"], disposition="answered_person")  # no longer abandoned
    _amend(rt, ids["c1"], started_at="2026-07-10T15:00:00Z")  # moved past later chunks
    _amend(rt, ids["c5"], called_number="+12075550144")  # onto c4's number
    for scope in ({}, {"seller": "acme"}, {"seller": "acme", "campaign": "heat"}):
        _both(rt, date(2026, 7, 1), date(2026, 7, 31), **scope)
    _both(rt, date(2026, 7, 8), date(2026, 7, 9))  # windows reaching outside the period


def test_the_pass_equals_the_plain_path_in_a_changing_november(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    november._seed(rt)
    monkeypatch.setattr(compliance, "CHUNK", 37)
    capped = _calls_to(rt, november.FL_CAPPED)
    listed = _calls_to(rt, november.ME_LISTED)
    later = november.T0 + timedelta(hours=6)
    _amend(rt, capped[-1], started_at=later.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    _amend(rt, capped[2], disposition="dropped")
    _amend(rt, listed[3], called_number=november.ME)
    _amend(rt, listed[5], disposition="dropped")
    for scope in ({}, {"seller": "acme"}, {"seller": "acme", "campaign": "heat"}):
        _both(rt, date(2026, 11, 1), date(2026, 11, 30), **scope)
    _both(rt, date(2026, 11, 3), date(2026, 11, 12), seller="other")


def test_the_pass_counts_abandonment_as_a_read_of_its_own_does(rt: Runtime) -> None:
    seed(rt)
    with rt.db.transaction(read_only=True) as s:
        scope = compliance.period(
            session=s,
            date_from=date(2026, 7, 7),
            date_to=date(2026, 7, 9),
            seller=None,
            campaign=None,
        )
        counted = tallies.Daily()
        for chunk in compliance._chunks(s, scope):
            for original, view in zip(chunk.originals, chunk.current, strict=True):
                if original["outbound"]:
                    counted.add(original, view["disposition"])
        assert counted.counts  # the period has calls; the windows reach days outside it
        read = tallies.abandonment(session=s, scope=scope)
        assert tallies.abandonment(session=s, scope=scope, counted=counted) == read
        assert read[0] and read[0][0]["window_start"] < "2026-07-07"
        # counts missing from the pass would show
        counted.add(
            {"seller_id": "x", "campaign_id": None, "started_at": datetime(2026, 7, 8, tzinfo=UTC)},
            "dropped",
        )
        first = next(iter(counted.counts))
        counted.counts[first][date(2026, 7, 8)][2] += 1
        assert tallies.abandonment(session=s, scope=scope, counted=counted) != read


def test_a_call_amended_to_an_earlier_start_on_another_number_is_counted_as_the_facts_count_it(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A call of a later chunk moved back onto a number decided in earlier chunks: the window
    has passed those calls by the time it is fed the moved one, and the facts read a call by
    its recorded start and number; the pass and the plain path must still agree."""
    november._seed(rt)
    monkeypatch.setattr(compliance, "CHUNK", 37)
    late = _calls_to(rt, november.ME_LATE)  # two a day, 30 s apart: no two start together
    between = november.T0 + timedelta(hours=2, minutes=30)  # before FL_CAPPED's T0 + 3 h calls
    at = between.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    _amend(rt, late[-2], started_at=at, called_number=november.FL_CAPPED)
    _amend(rt, late[-4], started_at=at)  # back onto its own number's earlier days
    found = {}
    for scope in ({}, {"seller": "acme"}, {"seller": "acme", "campaign": "heat"}):
        report = _both(rt, date(2026, 11, 1), date(2026, 11, 30), **scope)
        found = {v["call_id"]: v["codes"] for v in report["violations"]}
    # moved onto a number called three times in the day before: Florida's cap is reached
    assert "frequency_cap" in found[late[-2]]
