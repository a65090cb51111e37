"""The compliance report: every call of a period decided again as it would have been then.

One pass over the period's calls, in start order and in chunks, keeps only what the report
shows: each outbound call is re-decided by the checks engine as of its start time (the lists,
rules and records as they were then), its linked decision is held against that, and its record
against 16 CFR 310.5(a)(2). Abandonment, the registry's age and the DNC requests are counted
beside it (`reports.tallies`). The report keeps the violations and incomplete records it lists,
never the calls themselves, so a period of millions of calls runs in bounded memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callkeep.checks import redecide
from callkeep.checks.models import Decision
from callkeep.errors import InvalidInput
from callkeep.kit.clock import iso, utcnow
from callkeep.kit.db import unmapped_reads
from callkeep.records import service as records
from callkeep.reports import completeness, onebyone, safeharbor, tallies

CHUNK = 2000
DECISION_LEAD = timedelta(minutes=15)
# The linked-decision codes the report adds to the engine's, with what they answer to.
LINK_CITATIONS = {
    "no_decision": "16 CFR 310.4(b)(3)(iv)",
    "decision_blocked": "16 CFR 310.4(b)(3)(iv)",
    "decision_mismatch": "16 CFR 310.4(b)(3)(iv)",
}
_CALL_COLUMNS = (
    records.Call.id,
    records.Call.recorded_at,
    records.Call.seller_id,
    records.Call.campaign_id,
    records.Call.employee_id,
    records.Call.telemarketer_name,
    records.Call.subject,
    records.Call.consumer_or_business,
    records.Call.outbound,
    records.Call.prerecorded,
    records.Call.manual_dial,
    records.Call.calling_number,
    records.Call.called_number,
    records.Call.started_at,
    records.Call.duration_seconds,
    records.Call.script_version_id,
    records.Call.message_version_id,
    records.Call.caller_id_number,
    records.Call.caller_id_name,
    records.Call.disposition,
    records.Call.transfer_to,
    records.Call.decision_id,
)


@dataclass(frozen=True)
class Period:
    """The report's scope: UTC days (both included), a seller and a campaign, each optional."""

    first_day: date
    last_day: date
    seller_id: str | None
    seller_slug: str | None
    campaign_id: str | None
    campaign_slug: str | None

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(), UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.last_day + timedelta(days=1), time(), UTC)


def period(
    *,
    session: Session,
    date_from: date | None,
    date_to: date | None,
    seller: str | None,
    campaign: str | None,
    today: date | None = None,
) -> Period:
    """Resolves the filters; by default the period runs from the first of this month to today."""
    last = date_to or today or utcnow().date()
    first = date_from or last.replace(day=1)
    if first > last:
        raise InvalidInput.for_field("from", "the start date is after the end date")
    seller_id = seller_slug = campaign_id = campaign_slug = None
    if seller or campaign:
        view = records.resolve_seller(session=session, ref=seller or None)
        seller_id, seller_slug = view.id, view.slug
    if campaign:
        assert seller_id is not None
        found = records.resolve_campaign(session=session, ref=campaign, seller_id=seller_id)
        campaign_id, campaign_slug = found.id, found.slug
    return Period(first, last, seller_id, seller_slug, campaign_id, campaign_slug)


@dataclass
class _Pass:
    """What the pass over the calls has found so far."""

    calls: int = 0
    violations: list[dict[str, Any]] = field(default_factory=list)
    incomplete: list[tuple[dict[str, Any], list[str]]] = field(default_factory=list)
    registry: tallies.RegistryDays = field(default_factory=tallies.RegistryDays)
    daily: tallies.Daily = field(default_factory=tallies.Daily)


@dataclass(frozen=True)
class _Chunk:
    """Calls of the pass, in start order: every call of the period started in [first, last]
    seconds (as recorded), their current views in the same order (an unamended call's view is
    its original: neither is changed), and the decisions they name."""

    originals: list[dict[str, Any]]
    current: list[dict[str, Any]]
    linked: dict[str, Any]


_CALL_NAMES = tuple(column.key for column in _CALL_COLUMNS)
_LINKED = (Decision.id, Decision.phone, Decision.seller_id, Decision.at, Decision.allowed)


def _scoped(query: Any, scope: Period) -> Any:
    if scope.seller_id:
        query = query.where(records.Call.seller_id == scope.seller_id)
    if scope.campaign_id:
        query = query.where(records.Call.campaign_id == scope.campaign_id)
    return query


def _chunks(session: Session, scope: Period) -> Iterator[_Chunk]:
    """The period's calls in one ordered, streamed read (each with the decision it names, by an
    outer join), in chunks of about CHUNK calls that end at a whole second: a chunk holds every
    call started (as recorded) in its seconds."""
    width = len(_CALL_COLUMNS)
    query = (
        select(*_CALL_COLUMNS, *_LINKED)
        .outerjoin(Decision, Decision.id == records.Call.decision_id)
        .where(records.Call.started_at >= scope.start, records.Call.started_at < scope.end)
    )
    query = (
        _scoped(query, scope)
        .order_by(records.Call.started_at, records.Call.id)
        .execution_options(yield_per=CHUNK)
    )
    held: list[Any] = []
    for part in session.execute(query).partitions():
        held.extend(part)
        if len(held) < CHUNK:
            continue
        cut = len(held)
        last = held[-1][_START]
        while cut and held[cut - 1][_START] == last:
            cut -= 1
        if cut:
            yield _chunk(session, scope, held[:cut], width)
            held = held[cut:]
    if held:
        yield _chunk(session, scope, held, width)


_START = _CALL_NAMES.index("started_at")


def _chunk(session: Session, scope: Period, rows: list[Any], width: int) -> _Chunk:
    originals = [dict(zip(_CALL_NAMES, row[:width], strict=True)) for row in rows]
    linked = {row[width]: _Linked(*row[width:]) for row in rows if row[width] is not None}
    # a call's current view is its original unless an amendment changes it (then a copy)
    views = {v["id"]: v for v in originals}
    amended: set[str] = set()
    # the chunk's amendments by a range read: the calls of its seconds are exactly its calls
    ids = _scoped(
        select(records.Call.id).where(
            records.Call.started_at >= originals[0]["started_at"],
            records.Call.started_at <= originals[-1]["started_at"],
        ),
        scope,
    )
    amendments = session.scalars(
        select(records.Amendment)
        .where(records.Amendment.target_type == "calls", records.Amendment.target_id.in_(ids))
        .order_by(records.Amendment.recorded_at, records.Amendment.id)
    )
    for amendment in amendments:
        target = amendment.target_id
        if target in views:
            if target not in amended:
                views[target] = dict(views[target])
                amended.add(target)
            records.apply_changes(views[target], "calls", amendment)
    current = [views[v["id"]] for v in originals]
    # a decision an amendment named instead of the recorded one
    named = sorted({v["decision_id"] for v in current if v["decision_id"]} - linked.keys())
    if named:
        for row in session.execute(select(*_LINKED).where(Decision.id.in_(named))):
            linked[row[0]] = _Linked(*row)
    return _Chunk(originals, current, linked)


@dataclass(frozen=True)
class _Linked:
    id: str
    phone: str | None
    seller_id: str | None
    at: datetime
    allowed: bool


def _link_codes(view: dict[str, Any], linked: Any) -> list[str]:
    """no_decision / decision_blocked / decision_mismatch for one outbound call."""
    if linked is None:
        return ["no_decision"]
    codes = [] if linked.allowed else ["decision_blocked"]
    start = view["started_at"]
    if (
        linked.phone != view["called_number"]
        or linked.seller_id != view["seller_id"]
        or start is None
        or linked.at < start - DECISION_LEAD
        or linked.at > start
    ):
        codes.append("decision_mismatch")
    return codes


def _scan(session: Session, scope: Period) -> _Pass:
    found = _Pass()
    parties = redecide.Parties(session)
    batched = redecide.Redecider(
        session,
        seller_id=scope.seller_id,
        start=scope.start,
        parties=parties,
        fallback=lambda views: onebyone.outcomes(session, parties, views),
        # the pass holds every call the window counts unless it is narrowed to a campaign
        fed=scope.campaign_id is None,
    )
    scripts = completeness.ScriptsOnFile(session)
    for chunk in _chunks(session, scope):
        found.calls += len(chunk.originals)
        decisions = batched.decide(chunk.current, originals=chunk.originals)
        for original, view in zip(chunk.originals, chunk.current, strict=True):
            if original["outbound"]:
                found.daily.add(original, view["disposition"])
            missing = completeness.missing_fields(original, scripts)
            if missing:
                found.incomplete.append((original, missing))
            decision = decisions.get(view["id"])
            if decision is None:
                continue
            found.registry.add(session, view["started_at"], decision.national)
            codes = list(decision.codes)
            citations = list(decision.citations)
            link = _link_codes(view, chunk.linked.get(view["decision_id"]))
            codes += link
            citations += [LINK_CITATIONS[c] for c in link]
            if codes:
                found.violations.append(
                    {
                        "call_id": view["id"],
                        "called_number": view["called_number"],
                        "started_at": iso(view["started_at"]),
                        "codes": codes,
                        "citations": citations,
                    }
                )
    return found


def build(
    *, session: Session, actor: str, scope: Period, now: datetime | None = None
) -> dict[str, Any]:
    """The compliance report for `scope` (the contract's JSON), recording first findings.

    An incomplete record found for the first time is recorded (with `actor` and the moment)
    so that "corrected within 30 days of discovery" can be answered by every later report.
    """
    moment = now or utcnow()
    with unmapped_reads(session):
        return _build(session, actor, scope, moment)


def _build(session: Session, actor: str, scope: Period, moment: datetime) -> dict[str, Any]:
    found = _scan(session, scope)
    incomplete = completeness.findings(
        session=session, actor=actor, incomplete=found.incomplete, now=moment
    )
    windows, rolling = tallies.abandonment(session=session, scope=scope, counted=found.daily)
    return {
        "period": {"from": scope.first_day.isoformat(), "to": scope.last_day.isoformat()},
        "seller": scope.seller_slug,
        "campaign": scope.campaign_slug,
        "calls": found.calls,
        "violations": found.violations,
        "incomplete_records": incomplete,
        "abandonment": windows,
        "abandonment_rolling": rolling,
        "registry": found.registry.rows(),
        "dnc_requests": tallies.dnc_requests(session=session, scope=scope, now=moment),
        "safe_harbor": safeharbor.summary(session=session, at=scope.end),
        "generated_at": iso(moment),
    }
